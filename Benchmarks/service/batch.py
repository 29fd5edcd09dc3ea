#!/usr/bin/env python3
"""One /classify request with 32 images against 32 single-image requests, on one warm keep-alive connection.

    Benchmarks/service/batch.py PORT [--image FILE ...] [--rounds 5] [--seconds 3] [--images 32]

Against a running `shufflenet serve` (Benchmarks/service/batch.sh starts one with its default workers, one per
CPU). Both forms are multipart/form-data bodies built once (parts named `image`, with the file's Content-Type):
one body with 32 parts, sent as one request, and one body with a single part, sent 32 times one after another.
Every request goes over the same http.client connection, kept alive; each round runs each form for `seconds`
(alternating which goes first), after one warm-up request of each. Images per second = images answered /
elapsed wall time, client side; the table gives the median over rounds and the range.
"""
import argparse
import http.client
import json
import os
import statistics
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("port", type=int)
parser.add_argument("--image", action="append", dest="images_files")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--seconds", type=float, default=3)
parser.add_argument("--images", type=int, default=32)
args = parser.parse_args()
shared = os.environ.get("SHUFFLENET_SHARED_DIR", "../shared")
files = args.images_files or [os.path.join(shared, "images", "chelsea.png"),
                              os.path.join(shared, "photos", "imagenet-dev", "n01440764_tench.JPEG")]
BOUNDARY = "----shufflenet-batch-benchmark"


def multipart(path, parts):
    data = open(path, "rb").read()
    kind = "image/png" if path.lower().endswith(".png") else "image/jpeg"
    name = os.path.basename(path)
    part = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\n"
            f"Content-Type: {kind}\r\n\r\n").encode() + data + b"\r\n"
    return part * parts + f"--{BOUNDARY}--\r\n".encode()


connection = http.client.HTTPConnection("127.0.0.1", args.port)
headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def post(body, expected):
    connection.request("POST", "/classify", body, headers)
    response = connection.getresponse()
    answer = json.loads(response.read())
    if response.status != 200:
        raise SystemExit(f"status {response.status}: {answer}")
    results = answer.get("results", [answer])
    if len(results) != expected or any("error" in r for r in results):
        raise SystemExit(f"expected {expected} answers, got {answer}")


def images_per_second(body, per_request, repeat):
    """Sends `body` (holding `per_request` images) `repeat` times per batch until `seconds` have passed."""
    start, images = time.perf_counter(), 0
    while time.perf_counter() - start < args.seconds:
        for _ in range(repeat):
            post(body, per_request)
        images += per_request * repeat
    return images / (time.perf_counter() - start)


def load_average():
    return "load average (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


print(load_average())
rows = []
for path in files:
    batch, single = multipart(path, args.images), multipart(path, 1)
    post(batch, args.images)
    post(single, 1)
    rates = {"batch": [], "single": []}
    for round_ in range(args.rounds):
        order = ("batch", "single") if round_ % 2 == 0 else ("single", "batch")
        for form in order:
            if form == "batch":
                rates[form].append(images_per_second(batch, args.images, 1))
            else:
                rates[form].append(images_per_second(single, 1, args.images))
    rows.append((os.path.basename(path), len(batch), rates))
print(load_average())

n = args.images
print(f"\nmedians of {args.rounds} alternating rounds of {args.seconds:g} s per form; one keep-alive connection")
print(f"\n| image | {n}-image request: images/s (range) | {n} single requests: images/s (range) | {n}-image / single (range) | {n}-image body |")
print("|---|---|---|---|---|")
for name, size, rates in rows:
    b, s = rates["batch"], rates["single"]
    ratios = [x / y for x, y in zip(b, s)]
    print(f"| {name} | {statistics.median(b):.0f} ({min(b):.0f}–{max(b):.0f}) | {statistics.median(s):.0f} ({min(s):.0f}–{max(s):.0f}) | "
          f"{statistics.median(b) / statistics.median(s):.2f} ({min(ratios):.2f}–{max(ratios):.2f}) | {size / 1e6:.2f} MB |")
