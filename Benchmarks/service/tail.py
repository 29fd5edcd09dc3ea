#!/usr/bin/env python3
"""Where a running `shufflenet serve`'s tail latency comes from, request by request.

    Benchmarks/service/tail.py PORT [--image PNG] [--concurrency 8] [--seconds 10]

Drives POST /classify with raw PNG bodies from `concurrency` keep-alive connections (Python's http.client),
records each request's client-side latency with the service's own `timings_ms`, and prints the mean of every
timing for the requests near the median and for the slowest 5 %, and when the slow ones were sent. Slow
requests spread evenly over the run point at the service's own structure; slow requests bunched into short
spells, with decode and inference slower too, point at the machine (a shared host's neighbours, a sibling
thread, a frequency change). The first tenth of the run is dropped as warm-up.
"""
import argparse
import http.client
import json
import statistics
import threading
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("port", type=int)
parser.add_argument("--image", default="../shared/images/chelsea.png")
parser.add_argument("--concurrency", type=int, default=8)
parser.add_argument("--seconds", type=float, default=10)
args = parser.parse_args()

body = open(args.image, "rb").read()
rows, lock, started = [], threading.Lock(), time.monotonic()
timing_names = ("queue", "decode", "preprocess", "inference", "total")


def client():
    connection = http.client.HTTPConnection("127.0.0.1", args.port)
    while time.monotonic() - started < args.seconds:
        sent = time.monotonic()
        connection.request("POST", "/classify", body, {"Content-Type": "image/png"})
        response = connection.getresponse()
        answer = json.loads(response.read())
        if response.status != 200:
            raise SystemExit(f"status {response.status}: {answer}")
        latency = (time.monotonic() - sent) * 1000
        with lock:
            rows.append((sent - started, latency, *(answer["timings_ms"][name] for name in timing_names)))


threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

rows = [row for row in rows if row[0] >= args.seconds / 10]
if not rows:
    raise SystemExit("no requests completed after the warm-up; run longer")
latencies = sorted(row[1] for row in rows)


def percentile(p):
    return latencies[round(p * (len(latencies) - 1))]


median, slow_from = percentile(0.5), percentile(0.95)
print(f"{len(rows)} requests: latency p50 {median:.1f} ms, p90 {percentile(0.9):.1f}, p99 {percentile(0.99):.1f}")
groups = (("near the median", [r for r in rows if abs(r[1] - median) <= 0.02 * median]),
          ("slowest 5 %", [r for r in rows if r[1] >= slow_from]))
print("| requests | n | latency ms | " + " | ".join(f"{name} ms" for name in timing_names) + " |")
print("|---|---|---|" + "---|" * len(timing_names))
for label, group in groups:
    if not group:
        continue
    means = [statistics.mean(r[i] for r in group) for i in range(1, 2 + len(timing_names))]
    print(f"| {label} | {len(group)} | " + " | ".join(f"{m:.2f}" for m in means) + " |")
sent = sorted(r[0] for r in groups[1][1])
spells, last = [], None
for t in sent:
    if last is None or t - last > 0.2:
        spells.append([t, t, 0])
    spells[-1][1], spells[-1][2], last = t, spells[-1][2] + 1, t
print(f"the slowest 5 % were sent in {len(spells)} spell(s) (gaps over 0.2 s split them): "
      + ", ".join(f"{a:.2f}–{b:.2f} s ({n})" for a, b, n in spells))
