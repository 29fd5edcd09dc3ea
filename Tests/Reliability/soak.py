"""Soak: a long run of requests while the server's resident memory and open descriptors are sampled.

Usage: python soak.py [--requests N] [--connections C] [--csv FILE] [--svg FILE]

After a warm-up (the first 5 % of requests, at least 500), resident memory may grow by less than
--max-growth-mib (10) over the rest of the run, and once the clients have closed their connections the
open descriptors must return to the count measured before the first request. Every response must be
200 with the reference top-1 (or the expected error status for the few bad requests mixed in).
"""

import argparse
import http.client
import json
import os
import sys
import threading
import time

from common import verdict, SHARED, Service, multipart

CHELSEA = open(os.path.join(SHARED, "images/chelsea.png"), "rb").read()
JPEG = open(os.path.join(SHARED, "images/rocket.jpg"), "rb").read()


def form(data, content_type="image/png"):
    body, kind = multipart([("image", "x", content_type, data)])
    return body, {"Content-Type": kind}


# Mostly valid uploads (PNG and JPEG), two in ten refused: the refusals exercise the error and lingering-close paths.
# (body, headers, status, top-1 label for a 200): rocket.jpg's is the reference pass's on its decoded pixels.
REQUESTS = ([(*form(CHELSEA), 200, "Egyptian cat")] * 7 + [(*form(JPEG, "image/jpeg"), 200, "mosque"),
            (*form(b"GIF89a" + bytes(100), "image/gif"), 415, None), (*form(CHELSEA[:5000]), 422, None)])


class Counter:
    def __init__(self, total):
        self.lock = threading.Lock()
        self.next = 0
        self.done = 0
        self.total = total
        self.failures = []

    def take(self):
        with self.lock:
            if self.next >= self.total:
                return None
            self.next += 1
            return self.next - 1

    def finish(self, problem=None):
        with self.lock:
            self.done += 1
            if problem and len(self.failures) < 50:
                self.failures.append(problem)


def client(port, counter):
    connection = None
    while (index := counter.take()) is not None:
        body, headers, expected, label = REQUESTS[index % len(REQUESTS)]
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request("POST", "/classify", body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            counter.finish(f"request {index}: {type(error).__name__}: {error}")
            connection.close()
            connection = None
            continue
        problem = None
        if response.status == 503 and response.getheader("Retry-After"):
            pass  # backpressure is an answer
        elif response.status != expected:
            problem = f"request {index}: status {response.status}, expected {expected}"
        elif expected == 200 and json.loads(data)["predictions"][0]["label"] != label:
            problem = f"request {index}: wrong top-1"
        counter.finish(problem)
        if response.will_close:
            connection.close()
            connection = None
    if connection:
        connection.close()


def svg(samples, path, warmup_done):
    """A small line plot of RSS (MiB) against requests done, no plotting library needed."""
    width, height, margin = 720, 300, 50
    xs = [s[1] for s in samples]
    ys = [s[2] for s in samples]
    x_max = max(xs) or 1
    y_min, y_max = min(ys) - 2, max(ys) + 2
    px = lambda x: margin + (width - 2 * margin) * x / x_max
    py = lambda y: height - margin - (height - 2 * margin) * (y - y_min) / (y_max - y_min)
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    ticks = "".join(f'<text x="{margin - 6}" y="{py(v):.1f}" text-anchor="end" font-size="11">{v:.0f}</text>'
                    for v in (y_min, (y_min + y_max) / 2, y_max))
    return open(path, "w").write(f"""<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="{width / 2}" y="20" text-anchor="middle" font-size="14">Resident memory (MiB) over {x_max:,} requests</text>
<line x1="{margin}" y1="{height - margin}" x2="{width - margin}" y2="{height - margin}" stroke="black"/>
<line x1="{margin}" y1="{margin}" x2="{margin}" y2="{height - margin}" stroke="black"/>
<line x1="{px(warmup_done):.1f}" y1="{margin}" x2="{px(warmup_done):.1f}" y2="{height - margin}" stroke="#999" stroke-dasharray="4 4"/>
<text x="{px(warmup_done) + 4:.1f}" y="{margin + 12}" font-size="11" fill="#666">end of warm-up</text>
{ticks}
<text x="{width - margin}" y="{height - margin + 18}" text-anchor="end" font-size="11">{x_max:,} requests</text>
<polyline fill="none" stroke="#2f6fde" stroke-width="2" points="{points}"/>
</svg>
""")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--max-growth-mib", type=float, default=10)
    parser.add_argument("--csv")
    parser.add_argument("--svg")
    args = parser.parse_args()

    counter = Counter(args.requests)
    warmup = max(500, args.requests // 20)
    samples = []  # (seconds, requests done, rss MiB, open fds)
    with Service() as service:
        fds_before = service.open_fds()
        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(service.port, counter)) for _ in range(args.connections)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            samples.append((time.monotonic() - started, counter.done, service.rss_kib() / 1024, service.open_fds()))
            time.sleep(1)
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        time.sleep(1.5)  # let the server notice the closed connections
        samples.append((time.monotonic() - started, counter.done, service.rss_kib() / 1024, service.open_fds()))
        fds_after = service.open_fds()
        exit_status = service.stop()

    after_warmup = [s for s in samples if s[1] >= warmup]
    baseline = after_warmup[0][2] if after_warmup else samples[0][2]
    final = samples[-1][2]
    peak = max(s[2] for s in samples)
    growth = final - baseline
    print(f"requests: {counter.done} in {elapsed:.0f} s ({counter.done / elapsed:.0f}/s) over {args.connections} connections")
    print(f"rss after warm-up ({warmup} requests): {baseline:.1f} MiB; at the end: {final:.1f} MiB; growth {growth:+.1f} MiB; peak {peak:.1f} MiB")
    print(f"open fds: {fds_before} before, peak {max(s[3] for s in samples)}, {fds_after} after the clients closed")
    if args.csv:
        with open(args.csv, "w") as f:
            f.write("seconds,requests,rss_mib,open_fds\n")
            for s in samples:
                f.write(f"{s[0]:.1f},{s[1]},{s[2]:.2f},{s[3]}\n")
    if args.svg:
        svg(samples, args.svg, warmup)
    problems = list(counter.failures)
    if growth >= args.max_growth_mib:
        problems.append(f"resident memory grew by {growth:.1f} MiB after warm-up (limit {args.max_growth_mib})")
    if fds_after != fds_before:
        problems.append(f"open descriptors {fds_after} after the run, {fds_before} before")
    if exit_status != 0:
        problems.append(f"serve exited with {exit_status}")
    return verdict("soak", problems)


if __name__ == "__main__":
    sys.exit(main())
