"""Load: N concurrent keep-alive connections for S seconds, mixing valid uploads with bad ones.

Usage: python load.py [--seconds S] [--connections N] [--queue-size Q] [--json]

Every response must be the status its request deserves (or 503 + Retry-After, which is backpressure),
every valid photo must get its reference top-1, and no request may end in a reset or a dropped
connection. Prints the counts, throughput and latency percentiles; exits non-zero on any violation.
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import sys
import threading
import time

from common import verdict, SHARED, Service, multipart, png

MANIFEST = json.load(open(os.path.join(SHARED, "reference/manifest.json")))
EXPECTED_TOP1 = {e["image"]: e["top5"][0]["label"] for e in MANIFEST["pretrained"] if "g3" in e["model"]}


def form(data, filename="image.png", content_type="image/png", name="image"):
    body, kind = multipart([(name, filename, content_type, data)])
    return body, {"Content-Type": kind}


def build_mix():
    """(kind, weight, body, headers, expected status, expected top-1 or None)."""
    photos = {path: open(os.path.join(SHARED, path), "rb").read() for path in EXPECTED_TOP1}
    chelsea = photos["images/chelsea.png"]
    mix = []
    for path, data in photos.items():
        mix.append((f"valid {os.path.basename(path)}", 12, *form(data), 200, EXPECTED_TOP1[path]))
    mix.append(("valid raw body", 10, chelsea, {"Content-Type": "image/png"}, 200, "Egyptian cat"))
    # rocket.jpg's top-1 is the reference pass's on its decoded pixels (JPEGServiceTests checks that).
    mix.append(("valid JPEG", 8, *form(open(os.path.join(SHARED, "images/rocket.jpg"), "rb").read(), "r.jpg", "image/jpeg"), 200, "mosque"))
    mix.append(("wrong type (GIF)", 4, *form(b"GIF89a" + bytes(100), "a.gif", "image/gif"), 415, None))
    mix.append(("truncated PNG", 8, *form(chelsea[: len(chelsea) // 3]), 422, None))
    mix.append(("pixel bomb header", 5, *form(png(30000, 30000, raw=b"")), 413, None))
    mix.append(("malformed multipart", 8, b"--nope\r\n\r\n", {"Content-Type": "multipart/form-data"}, 400, None))
    mix.append(("no image part", 5, *form(chelsea, name="file"), 400, None))
    mix.append(("bad top_k", 5, *form(chelsea), 400, None))  # sent with ?top_k=0
    mix.append(("oversized body", 1, b"\x89PNG\r\n\x1a\n" + b"\x00" * (33 * 1024 * 1024), {"Content-Type": "image/png"}, 413, None))
    return mix


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}      # (kind, status) -> n
        self.latencies = []   # seconds, valid requests answered 200
        self.violations = []
        self.sent = 0

    def record(self, kind, status, seconds, problem=None):
        with self.lock:
            self.counts[(kind, status)] = self.counts.get((kind, status), 0) + 1
            self.sent += 1
            if problem:
                self.violations.append(f"{kind}: {problem}")
            elif status == 200:
                self.latencies.append(seconds)


def client(port, mix, deadline, stats, seed):
    rng = random.Random(seed)
    weights = [m[1] for m in mix]
    connection = None
    while time.monotonic() < deadline:
        kind, _, body, headers, expected, top1 = rng.choices(mix, weights)[0]
        path = "/classify?top_k=0" if kind == "bad top_k" else "/classify"
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        started = time.monotonic()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            status = response.status
            retry_after = response.getheader("Retry-After")
            closing = response.will_close
        except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected, socket.timeout, OSError) as error:
            stats.record(kind, "error", time.monotonic() - started, f"{type(error).__name__}: {error}")
            connection.close()
            connection = None
            continue
        seconds = time.monotonic() - started
        problem = None
        if status == 503:
            if retry_after is None:
                problem = "503 without Retry-After"
        elif status != expected:
            problem = f"status {status}, expected {expected}: {data[:160]!r}"
        elif status == 200:
            label = json.loads(data)["predictions"][0]["label"]
            if label != top1:
                problem = f"top-1 {label!r}, expected {top1!r}"
        else:
            try:
                json.loads(data)["error"]["code"]
            except Exception:
                problem = f"error body is not JSON: {data[:160]!r}"
        if status >= 500 and status != 503:
            problem = f"server error {status}: {data[:160]!r}"
        stats.record(kind, status, seconds, problem)
        if closing:
            connection.close()
            connection = None
    if connection:
        connection.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--queue-size", type=int, help="the server's queue (default: its own default, 64); small values exercise 503 backpressure")
    args = parser.parse_args()

    mix = build_mix()
    stats = Stats()
    with Service(*(["--queue-size", str(args.queue_size)] if args.queue_size else [])) as service:
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [threading.Thread(target=client, args=(service.port, mix, deadline, stats, i)) for i in range(args.connections)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        rss_mib = service.rss_kib() / 1024
        peak_mib = service.peak_rss_kib() / 1024
        exit_status = service.stop()
    if exit_status != 0:
        stats.violations.append(f"serve exited with {exit_status}")

    latencies = sorted(stats.latencies)
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
    shed = sum(n for (kind, status), n in stats.counts.items() if status == 503)
    summary = {
        "seconds": round(elapsed, 1), "connections": args.connections, "requests": stats.sent,
        "requests_per_second": round(stats.sent / elapsed, 1), "ok_200": len(latencies), "shed_503": shed,
        "p50_ms": round(pct(0.50), 1), "p99_ms": round(pct(0.99), 1),
        "rss_mib": round(rss_mib, 1), "peak_rss_mib": round(peak_mib, 1), "violations": len(stats.violations),
        "by_kind": {f"{kind} -> {status}": n for (kind, status), n in sorted(stats.counts.items(), key=lambda x: (x[0][0], str(x[0][1])))},
    }
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            if key != "by_kind":
                print(f"{key}: {value}")
        for key, n in summary["by_kind"].items():
            print(f"  {key}: {n}")
    return verdict("load", stats.violations)


if __name__ == "__main__":
    sys.exit(main())
