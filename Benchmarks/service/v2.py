#!/usr/bin/env python3
"""The Open Inference Protocol (V2) through the service against the engine alone, and V2 `image` against /classify.

    Benchmarks/service/v2.py [--binary .build/release/shufflenet] [--model FILE] [--rounds 5] [--seconds 3]
                             [--hey-seconds 8] [--concurrency 8] [--before BINARY] [--skip fp32|image]
                             (or: Benchmarks/v2/run.sh service)

FP32 part. `input` tensors of batch 1 and 8 (the four reference inputs of ../shared/reference, repeated) are
sent to `POST /v2/models/M/infer`, each body built once and resent on a keep-alive http.client connection (a new one
per measurement, warmed by one untimed request), one request at a time: with binary tensor data (the JSON header, then the raw float32 bytes; logits asked back
as binary) and as JSON (`data` a flat list of numbers as tritonclient writes them; logits back as JSON). The
client reads each response's bytes; the answers are checked against the reference logits once, before timing.
Beside them, per round: `shufflenet bench --model M --batch B --threads T --json` (its median per call) on the
same cores, and the binary body POSTed to an unknown model (404 once the body is read: the cost of receiving
4.8 MB and answering, without decoding or inference).

The service runs a request of N images as N one-image parts on whichever of its workers is free, one thread
each; the engine with a batch of N on T threads gives each thread whole images, so the pairings are:
  one core:  serve --workers 1 pinned to CPU 0, client on CPU 1 | bench --batch B --threads 1 pinned to CPU 0
  two cores: serve --workers 2 on CPUs 0-1, client unpinned       | bench --batch 8 --threads 2 on CPUs 0-1
Overhead = (service median latency - engine median) / engine median. Also the binary body from two keep-alive
connections at once (each one request at a time, so one request's transfer overlaps another's inference):
throughput overhead = engine images/s / service images/s - 1.
With --before BINARY, a second server (that binary, the same cores, the next port) answers the same binary and
JSON bodies in the same rounds, in the rotation: a before/after table follows, with per-round ratios.

Image part. `shufflenet serve --workers 1` on CPU 0, `hey` on CPU 1 at CONCURRENCY for HEY-SECONDS, alternating
rounds: POST /classify with the raw PNG (top-5 JSON back) against POST /v2/models/M/infer with the same PNG as a
binary BYTES `image` tensor and `probabilities` asked back with the classification extension (top 5, JSON).
"""
import argparse
import http.client
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--binary", default=".build/release/shufflenet")
parser.add_argument("--model", default="models/shufflenet_v1_g3_0.5x.safetensors")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--seconds", type=float, default=3)
parser.add_argument("--hey-seconds", type=float, default=8)
parser.add_argument("--concurrency", type=int, default=8)
parser.add_argument("--image", default=None)
parser.add_argument("--skip", choices=["fp32", "image"], action="append", default=[])
parser.add_argument("--before", default=None, help="a second shufflenet binary: its V2 binary and JSON FP32 requests alternate "
                    "with ours in every round (a before/after table follows)")
args = parser.parse_args()
shared = os.environ.get("SHUFFLENET_SHARED_DIR", "../shared")
image_path = args.image or os.path.join(shared, "images", "chelsea.png")
stem = os.path.splitext(os.path.basename(args.model))[0]
name = stem                                     # the served model's name is its file's stem
reference_prefix = stem.replace("shufflenet_v1_", "")
PORT = 18205


def load_average():
    return "load average (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def safetensors(path):
    data = open(path, "rb").read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    return {key: body[v["data_offsets"][0]:v["data_offsets"][1]] for key, v in header.items() if key != "__metadata__"}


references = [safetensors(os.path.join(shared, "reference", f"{reference_prefix}_{photo}.io.safetensors"))
              for photo in ("chelsea", "coffee", "astronaut", "motorcycle_left")]


def fp32_bodies(batch):
    """(binary body, its JSON header length, JSON body, expected top-1 per image)."""
    chosen = [references[i % len(references)] for i in range(batch)]
    raw = b"".join(r["input"] for r in chosen)
    expected = []
    for r in chosen:
        logits = struct.unpack("<1000f", r["logits"])
        expected.append(max(range(1000), key=logits.__getitem__))
    shape = [batch, 3, 224, 224]
    header = json.dumps({"id": "bench", "inputs": [{"name": "input", "shape": shape, "datatype": "FP32",
                                                    "parameters": {"binary_data_size": len(raw)}}],
                         "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]}).encode()
    values = list(struct.unpack(f"<{len(raw) // 4}f", raw))
    body = json.dumps({"id": "bench", "inputs": [{"name": "input", "shape": shape, "datatype": "FP32", "data": values}],
                       "outputs": [{"name": "logits"}]}).encode()
    return header + raw, len(header), body, expected


def start_server(cpus, workers, binary=None, port=PORT):
    server = subprocess.Popen(["taskset", "-c", cpus, binary or args.binary, "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", str(workers), "--queue-size", "256", "--model", args.model, "--log-level", "warning"])
    for _ in range(200):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port)
            connection.request("GET", "/v2/health/ready")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("the server did not become ready")


def post(connection, path, body, headers):
    connection.request("POST", path, body, headers)
    response = connection.getresponse()
    return response.status, response.getheader("Inference-Header-Content-Length"), response.read()


def check(binary, header_length, body, expected, port=PORT):
    """The answers to both bodies name the reference top-1 of every image."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    path = f"/v2/models/{name}/infer"
    status, length, answer = post(connection, path, binary, {"Inference-Header-Content-Length": str(header_length),
                                                             "Content-Type": "application/octet-stream"})
    assert status == 200, answer[:300]
    floats = struct.unpack(f"<{len(expected) * 1000}f", answer[int(length):])
    got = [max(range(1000), key=lambda i: floats[row * 1000 + i]) for row in range(len(expected))]
    assert got == expected, (got, expected)
    status, _, answer = post(connection, path, body, {"Content-Type": "application/json"})
    assert status == 200, answer[:300]
    data = json.loads(answer)["outputs"][0]["data"]
    got = [max(range(1000), key=lambda i: data[row * 1000 + i]) for row in range(len(expected))]
    assert got == expected, (got, expected)
    connection.close()


def latencies(path, body, headers, status, port=PORT):
    """Median and p90 milliseconds of sequential requests for `seconds` on a new keep-alive connection, after one
    untimed request (a connection left idle while `bench` runs would meet the server's idle timeout)."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    post(connection, path, body, headers)
    samples, end = [], time.perf_counter() + args.seconds
    while time.perf_counter() < end or len(samples) < 5:
        start = time.perf_counter()
        got, _, answer = post(connection, path, body, headers)
        samples.append((time.perf_counter() - start) * 1e3)
        assert got == status, answer[:300]
    connection.close()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9)]


def throughput(path, body, headers, connections=2, port=PORT):
    """Requests per second from `connections` keep-alive connections, each sending one request at a time."""
    import threading
    counts, end = [0] * connections, time.perf_counter() + args.seconds

    def client(index):
        connection = http.client.HTTPConnection("127.0.0.1", port)
        while time.perf_counter() < end:
            got, _, answer = post(connection, path, body, headers)
            assert got == 200, answer[:300]
            counts[index] += 1
        connection.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def bench(cpus, batch, threads):
    run = subprocess.run(["taskset", "-c", cpus, args.binary, "bench", "--model", args.model, "--batch", str(batch),
                          "--threads", str(threads), "--seconds", str(args.seconds), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)["median_ms"]


def fp32_part():
    configs = [("one core", "0", 1, {1}, [(1, 1), (8, 1)]), ("two cores", "0,1", 2, {0, 1}, [(8, 2)])]
    bodies = {batch: fp32_bodies(batch) for batch in (1, 8)}
    rows = []
    for label, cpus, workers, client_cpus, cells in configs:
        os.sched_setaffinity(0, client_cpus)
        server = start_server(cpus, workers)
        before = start_server(cpus, workers, args.before, PORT + 1) if args.before else None
        try:
            for batch, threads in cells:
                binary, header_length, body, expected = bodies[batch]
                check(binary, header_length, body, expected)
                if before:
                    check(binary, header_length, body, expected, PORT + 1)
                binary_headers = {"Inference-Header-Content-Length": str(header_length), "Content-Type": "application/octet-stream"}
                measures = {"engine": [], "binary": [], "json": [], "404": [], "rate": []}
                steps = [("engine", lambda: (bench(cpus, batch, threads), 0)),
                         ("binary", lambda: latencies(f"/v2/models/{name}/infer", binary, binary_headers, 200)),
                         ("json", lambda: latencies(f"/v2/models/{name}/infer", body, {"Content-Type": "application/json"}, 200)),
                         ("404", lambda: latencies("/v2/models/no-such-model/infer", binary, binary_headers, 404)),
                         ("rate", lambda: (throughput(f"/v2/models/{name}/infer", binary, binary_headers), 0))]
                if before:
                    measures.update({"binary before": [], "json before": [], "rate before": []})
                    steps += [("binary before", lambda: latencies(f"/v2/models/{name}/infer", binary, binary_headers, 200, PORT + 1)),
                              ("json before", lambda: latencies(f"/v2/models/{name}/infer", body, {"Content-Type": "application/json"}, 200, PORT + 1)),
                              ("rate before", lambda: (throughput(f"/v2/models/{name}/infer", binary, binary_headers, port=PORT + 1), 0))]
                for round_ in range(args.rounds):
                    for key, step in steps[round_ % len(steps):] + steps[:round_ % len(steps)]:
                        measures[key].append(step()[0])
                rows.append((label, workers, batch, threads, len(binary), len(body), measures))
                print(f"{label}, batch {batch}: done; {load_average()}", flush=True)
        finally:
            for process in (server, before):
                if process:
                    process.terminate()
                    process.wait()
    os.sched_setaffinity(0, {0, 1})
    print(f"\nFP32 `input` at batch 1 and 8: medians over {args.rounds} rounds of {args.seconds:g} s each (rotating order); "
          "ms per request (service, sequential on one keep-alive connection) or per call (engine)")
    print("\n| cores | serve workers | batch | bench threads | engine ms | V2 binary ms | binary overhead (range) | "
          "of which: 404 after reading the body, ms | V2 JSON ms | JSON overhead (range) | bodies binary / JSON | "
          "engine images/s | V2 binary, 2 connections: images/s | throughput overhead (range) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for label, workers, batch, threads, binary_size, json_size, m in rows:
        med = {k: statistics.median(v) for k, v in m.items()}
        over = [b / e - 1 for b, e in zip(m["binary"], m["engine"])]
        over_json = [j / e - 1 for j, e in zip(m["json"], m["engine"])]
        rate_over = [1e3 / e / r - 1 for r, e in zip(m["rate"], m["engine"])]
        print(f"| {label} | {workers} | {batch} | {threads} | {med['engine']:.3f} | {med['binary']:.3f} | "
              f"{100 * (med['binary'] / med['engine'] - 1):.0f} % ({100 * min(over):.0f}–{100 * max(over):.0f} %) | {med['404']:.3f} | "
              f"{med['json']:.1f} | {100 * (med['json'] / med['engine'] - 1):.0f} % ({100 * min(over_json):.0f}–{100 * max(over_json):.0f} %) | "
              f"{binary_size / 1e6:.2f} / {json_size / 1e6:.2f} MB | {1e3 * batch / med['engine']:.0f} | {med['rate'] * batch:.0f} | "
              f"{100 * (1e3 / med['engine'] / med['rate'] - 1):.0f} % ({100 * min(rate_over):.0f}–{100 * max(rate_over):.0f} %) |")
    if args.before:
        before_after_table(rows)


def before_after_table(rows):
    """Ours against --before, round by round (each pair measured in the same round)."""
    def cell(m, key, engine=False):
        ratios = [a / b for a, b in zip(m[key], m[key + " before"])]
        over = lambda k: 100 * (statistics.median(m[k]) / statistics.median(m["engine"]) - 1)
        return (f"{statistics.median(m[key + ' before']):.3f} → {statistics.median(m[key]):.3f} | "
                f"{over(key + ' before'):.0f} % → {over(key):.0f} % | "
                f"{statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f})")
    print(f"\nBefore ({args.before}) → after ({args.binary}), the same rounds: ms per request, overhead over the engine, "
          "after/before latency per round (median, range)")
    print("\n| cores | batch | engine ms | V2 binary ms | binary overhead | binary after/before | V2 JSON ms | JSON overhead | "
          "JSON after/before | 2 connections images/s | throughput after/before |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, workers, batch, threads, _, _, m in rows:
        rates = [a / b for a, b in zip(m["rate"], m["rate before"])]
        print(f"| {label} | {batch} | {statistics.median(m['engine']):.3f} | {cell(m, 'binary')} | {cell(m, 'json')} | "
              f"{statistics.median(m['rate before']) * batch:.0f} → {statistics.median(m['rate']) * batch:.0f} | "
              f"{statistics.median(rates):.3f} ({min(rates):.3f}–{max(rates):.3f}) |")


def hey(folder, path, body, content_type, extra):
    out = subprocess.run(["taskset", "-c", "1", "hey", "-z", f"{args.hey_seconds}s", "-c", str(args.concurrency), "-m", "POST",
                          "-T", content_type, "-D", body, *extra, f"http://127.0.0.1:{PORT}{path}"],
                         capture_output=True, text=True, check=True).stdout
    rps = float(next(line.split()[1] for line in out.splitlines() if "Requests/sec" in line))
    # hey leaves a percentile out (prints "0% in") when too few requests completed to place it.
    p99 = float(next((line.split()[2] for line in out.splitlines() if "99% in" in line), "nan")) * 1e3
    codes = " ".join(line.strip().replace("\t", "×") for line in out.splitlines() if line.strip().startswith("[") and "]\t" in line)
    return rps, p99, codes


def image_part():
    png = open(image_path, "rb").read()
    header = json.dumps({"inputs": [{"name": "image", "shape": [1], "datatype": "BYTES", "parameters": {"binary_data_size": len(png) + 4}}],
                         "outputs": [{"name": "probabilities", "parameters": {"classification": 5}}]}).encode()
    with tempfile.TemporaryDirectory() as folder:
        v2_body, classify_body = os.path.join(folder, "v2.bin"), os.path.join(folder, "image.png")
        open(v2_body, "wb").write(header + struct.pack("<I", len(png)) + png)
        open(classify_body, "wb").write(png)
        server = start_server("0", 1)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT)
            status, _, answer = post(connection, f"/v2/models/{name}/infer", open(v2_body, "rb").read(),
                                     {"Inference-Header-Content-Length": str(len(header)), "Content-Type": "application/octet-stream"})
            v2_top = json.loads(answer)["outputs"][0]["data"][0]
            status2, _, answer2 = post(connection, "/classify", png, {"Content-Type": "image/png"})
            classify_top = json.loads(answer2)["predictions"][0]
            assert status == status2 == 200 and int(v2_top.split(":")[1]) == classify_top["index"], (v2_top, classify_top)
            connection.close()
            results = []
            for _ in range(args.rounds):
                a = hey(folder, "/classify", classify_body, "image/png", [])
                b = hey(folder, f"/v2/models/{name}/infer", v2_body, "application/octet-stream",
                        ["-H", f"Inference-Header-Content-Length: {len(header)}"])
                results.append((a, b))
        finally:
            server.terminate()
            server.wait()
    ratios = [b[0] / a[0] for a, b in results]
    a_rps, b_rps = statistics.median(r[0][0] for r in results), statistics.median(r[1][0] for r in results)
    a_p99, b_p99 = statistics.median(r[0][1] for r in results), statistics.median(r[1][1] for r in results)
    print(f"\nV2 `image` against /classify, {os.path.basename(image_path)}: serve --workers 1 on CPU 0, hey -c {args.concurrency} on CPU 1, "
          f"medians of {args.rounds} alternating rounds of {args.hey_seconds:g} s")
    print("\n| route | req/s | p99 ms | V2 / classify req/s (range) | statuses of the last round |")
    print("|---|---|---|---|---|")
    print(f"| POST /classify (raw PNG) | {a_rps:.0f} | {a_p99:.1f} | | {results[-1][0][2]} |")
    print(f"| POST /v2/models/{name}/infer (BYTES image, classification 5) | {b_rps:.0f} | {b_p99:.1f} | "
          f"{b_rps / a_rps:.3f} ({min(ratios):.3f}–{max(ratios):.3f}) | {results[-1][1][2]} |")


print(load_average())
if "fp32" not in args.skip:
    fp32_part()
if "image" not in args.skip:
    image_part()
print("\n" + load_average())
