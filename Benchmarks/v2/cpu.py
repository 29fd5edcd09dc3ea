#!/usr/bin/env python3
"""The server's CPU time per V2 request, two binaries alternating, against the engine's CPU time per batch.

    Benchmarks/v2/cpu.py BEFORE AFTER [ROUNDS (5)] [REQUESTS (40)]      (from the repository root)

Wall-clock latency on the shared development machine moves with everyone else's load; CPU time charged to the
server's own threads moves far less, so a before/after of what our code costs reads better in it. Each binary
runs `serve --workers 1` pinned to CPU 0 (the client on CPU 1), both started once. Per round, in alternating
order: REQUESTS sequential requests on one warm keep-alive connection for each cell — batch-8 binary FP32,
batch-8 JSON FP32, batch-1 binary, and the batch-8 binary body to an unknown model (404 once read: receiving
and answering alone) — with the CPU time of all the server's threads read from /proc/PID/task/*/schedstat
(nanoseconds) before and after; and the engine's CPU per call, `perf stat -e task-clock` on `shufflenet bench
--batch B --threads 1` pinned to CPU 0 for 1 s and 4 s, differenced (no start-up or warm-up in it).
Overhead = server CPU per request / engine CPU per batch - 1 (the 404 row: its share of the engine's time).
The client's own time (Python building and sending the body) is not in these figures; it is in v2.py's.
"""
import glob
import http.client
import json
import os
import statistics
import struct
import subprocess
import sys
import time

before, after = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
requests = int(sys.argv[4]) if len(sys.argv) > 4 else 40
model = "models/shufflenet_v1_g3_0.5x.safetensors"
shared = os.environ.get("SHUFFLENET_SHARED_DIR", "../shared")
infer = "/v2/models/shufflenet_v1_g3_0.5x/infer"


def reference_input(photo):
    data = open(os.path.join(shared, "reference", f"g3_0.5x_{photo}.io.safetensors"), "rb").read()
    size = struct.unpack("<Q", data[:8])[0]
    begin, end = json.loads(data[8:8 + size])["input"]["data_offsets"]
    return data[8 + size + begin:8 + size + end]


photos = [reference_input(p) for p in ("chelsea", "coffee", "astronaut", "motorcycle_left")]


def bodies(batch):
    """(binary body, its headers), (JSON body, its headers) for a batch of the reference inputs."""
    raw = b"".join(photos[i % len(photos)] for i in range(batch))
    tensor = {"name": "input", "shape": [batch, 3, 224, 224], "datatype": "FP32"}
    header = json.dumps({"inputs": [dict(tensor, parameters={"binary_data_size": len(raw)})],
                         "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]}).encode()
    text = json.dumps({"inputs": [dict(tensor, data=list(struct.unpack(f"<{len(raw) // 4}f", raw)))]}).encode()
    return (header + raw, {"Inference-Header-Content-Length": str(len(header))}), (text, {"Content-Type": "application/json"})


def cpu_ns(pid):
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            total += int(open(path).read().split()[0])
        except OSError:
            pass  # a thread that ended meanwhile
    return total


def measure(server, body, headers, path=infer, status=200):
    """(server CPU ms per request, median wall ms) over `requests` sequential requests after three untimed ones."""
    process, port = server
    connection = http.client.HTTPConnection("127.0.0.1", port)
    for _ in range(3):
        connection.request("POST", path, body, headers)
        connection.getresponse().read()
    start, walls = cpu_ns(process.pid), []
    for _ in range(requests):
        began = time.perf_counter()
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        answer = response.read()
        walls.append((time.perf_counter() - began) * 1e3)
        assert response.status == status, answer[:300]
    connection.close()
    return (cpu_ns(process.pid) - start) / requests / 1e6, statistics.median(walls)


def engine_cpu(batch):
    def run(seconds):
        out = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock", "taskset", "-c", "0", after, "bench", "--model", model,
                              "--batch", str(batch), "--threads", "1", "--seconds", str(seconds), "--json"],
                             capture_output=True, text=True, check=True)
        return float(out.stderr.strip().splitlines()[-1].split(",")[0]), json.loads(out.stdout)["calls"]
    (short, short_calls), (long, long_calls) = run(1), run(4)
    return (long - short) / (long_calls - short_calls)


servers = {}
for label, binary, port in (("before", before, 18320), ("after", after, 18321)):
    servers[label] = (subprocess.Popen(["taskset", "-c", "0", binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                                        "--model", model, "--log-level", "warning"]), port)
time.sleep(6)  # loaded and warmed
os.sched_setaffinity(0, {1})
cells = [(8, "binary"), (8, "json"), (1, "binary"), (8, "404")]
results = {}
try:
    for round_ in range(rounds):
        for batch in (1, 8):
            results.setdefault(("engine", batch), []).append(engine_cpu(batch))
        for batch, kind in cells:
            (binary, binary_headers), (text, text_headers) = bodies(batch)
            for label in ("before", "after") if round_ % 2 == 0 else ("after", "before"):
                if kind == "404":
                    got = measure(servers[label], binary, binary_headers, "/v2/models/no-such-model/infer", 404)
                else:
                    got = measure(servers[label], *((binary, binary_headers) if kind == "binary" else (text, text_headers)))
                results.setdefault((label, batch, kind), []).append(got)
        print(f"round {round_ + 1} done; load average {os.getloadavg()[0]:.1f}", flush=True)
finally:
    for process, _ in servers.values():
        process.terminate()

print(f"\n{rounds} rounds of {requests} requests; medians (range over rounds)")
print("\n| batch | request | engine CPU ms | server CPU ms, before → after | overhead before → after | after/before CPU (range) | wall ms before → after |")
print("|---|---|---|---|---|---|---|")
for batch, kind in cells:
    engine = statistics.median(results[("engine", batch)])
    cpu = {label: [r[0] for r in results[(label, batch, kind)]] for label in ("before", "after")}
    wall = {label: statistics.median(r[1] for r in results[(label, batch, kind)]) for label in ("before", "after")}
    ratios = [a / b for b, a in zip(cpu["before"], cpu["after"])]
    share = (lambda v: f"{100 * statistics.median(v) / engine:.0f} %") if kind == "404" else (lambda v: f"{100 * (statistics.median(v) / engine - 1):.0f} %")
    span = lambda v: f"{statistics.median(v):.3f} ({min(v):.3f}–{max(v):.3f})"
    print(f"| {batch} | {kind} | {engine:.3f} | {span(cpu['before'])} → {span(cpu['after'])} | {share(cpu['before'])} → {share(cpu['after'])} | "
          f"{statistics.median(ratios):.3f} ({min(ratios):.3f}–{max(ratios):.3f}) | {wall['before']:.3f} → {wall['after']:.3f} |")
