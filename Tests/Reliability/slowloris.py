"""Slow clients: hundreds of slowloris connections while normal clients keep classifying.

Usage: python slowloris.py [--slow 500] [--seconds 20] [--header-timeout 10] [--normal 4]

Phase 1 measures the normal clients' latency alone; phase 2 repeats it while --slow connections dribble
a header line each second and never finish their request head (each one the server closes is
reopened, so the attack stays at full strength). Checks: the normal clients' p99 stays within 2× of
phase 1 (--max-ratio), none of their requests fails, and the server closes every slow connection by
its header timeout (with a 408) — no slow connection outlives the timeout by more than a tick.
"""

import argparse
import http.client
import json
import os
import selectors
import socket
import sys
import threading
import time

from common import verdict, SHARED, Service, multipart

CHELSEA = open(os.path.join(SHARED, "images/chelsea.png"), "rb").read()


def normal_clients(port, count, seconds):
    body, kind = multipart([("image", "chelsea.png", "image/png", CHELSEA)])
    latencies, failures = [], []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                connection.request("POST", "/classify", body=body, headers={"Content-Type": kind})
                response = connection.getresponse()
                data = response.read()
                ok = response.status == 200 and json.loads(data)["predictions"][0]["label"] == "Egyptian cat"
            except (OSError, http.client.HTTPException) as error:
                ok, data = False, repr(error).encode()
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            with lock:
                (latencies if ok else failures).append(time.monotonic() - started if ok else data[:120])
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(latencies), failures


def percentile(values, p):
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")


class Attack(threading.Thread):
    """Keeps `count` slowloris connections open until stopped; records how each one ended."""

    def __init__(self, port, count):
        super().__init__(daemon=True)
        self.port, self.count = port, count
        self.stop_flag = threading.Event()
        self.lifetimes = []      # seconds from connect to the server closing it
        self.statuses = {}       # what the server said before closing: "408", "EOF", ...
        self.open_at_peak = 0

    def connect(self, selector):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", self.port))
        selector.register(s, selectors.EVENT_READ, {"opened": time.monotonic(), "sent": 0})
        return s

    def run(self):
        selector = selectors.DefaultSelector()
        sockets = [self.connect(selector) for _ in range(self.count)]
        next_dribble = time.monotonic()
        while not self.stop_flag.is_set():
            now = time.monotonic()
            if now >= next_dribble:
                for s in list(sockets):
                    state = selector.get_key(s).data
                    line = b"GET / HTTP/1.1\r\nHost: x\r\n" if state["sent"] == 0 else b"X-Slow: %d\r\n" % state["sent"]
                    try:
                        s.send(line)
                        state["sent"] += 1
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        pass  # closed by the server; the read side reports it
                next_dribble = now + 1
            self.open_at_peak = max(self.open_at_peak, len(sockets))
            for key, _ in selector.select(timeout=0.1):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if data.startswith(b"HTTP/1.1 ") or not data:
                    self.lifetimes.append(time.monotonic() - key.data["opened"])
                    status = data[9:12].decode() if data else "EOF"
                    self.statuses[status] = self.statuses.get(status, 0) + 1
                    selector.unregister(s)
                    s.close()
                    sockets.remove(s)
                    sockets.append(self.connect(selector))
        for s in sockets:
            selector.unregister(s)
            s.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--normal", type=int, default=4)
    parser.add_argument("--header-timeout", type=float, default=10)
    parser.add_argument("--max-ratio", type=float, default=2.0)
    parser.add_argument("--no-timing-targets", action="store_true",
                        help="report the p99 ratio without failing on it (the test command: timing targets live in the recorded runs)")
    args = parser.parse_args()

    problems = []
    with Service("--header-timeout", str(args.header_timeout)) as service:
        normal_clients(service.port, args.normal, 2)  # warm-up
        quiet, quiet_failures = normal_clients(service.port, args.normal, args.seconds)
        attack = Attack(service.port, args.slow)
        attack.start()
        time.sleep(2)  # all slow connections open and dribbling
        fds_under_attack = service.open_fds()
        loud, loud_failures = normal_clients(service.port, args.normal, args.seconds)
        # Keep the attack going until every connection of the first wave had its chance to time out.
        time.sleep(max(0.0, args.header_timeout + 2 - args.seconds - 2))
        attack.stop_flag.set()
        attack.join()
        exit_status = service.stop()

    p99_quiet, p99_loud = percentile(quiet, 0.99), percentile(loud, 0.99)
    ratio = p99_loud / p99_quiet
    print(f"normal clients alone:        {len(quiet)} requests, p50 {percentile(quiet, 0.5):.1f} ms, p99 {p99_quiet:.1f} ms")
    print(f"with {args.slow} slow connections: {len(loud)} requests, p50 {percentile(loud, 0.5):.1f} ms, p99 {p99_loud:.1f} ms (ratio {ratio:.2f})")
    print(f"server descriptors under attack: {fds_under_attack}")
    lifetimes = sorted(attack.lifetimes)
    if lifetimes:
        print(f"slow connections closed by the server: {len(lifetimes)} ({attack.statuses}); lifetime min {lifetimes[0]:.2f} s, "
              f"median {lifetimes[len(lifetimes) // 2]:.2f} s, max {lifetimes[-1]:.2f} s (header timeout {args.header_timeout} s)")
    if quiet_failures or loud_failures:
        problems.append(f"normal requests failed: {(quiet_failures + loud_failures)[:3]}")
    if ratio > args.max_ratio and not args.no_timing_targets:
        problems.append(f"p99 under attack is {ratio:.2f}× the quiet p99 (limit {args.max_ratio}×)")
    if len(lifetimes) < args.slow:
        problems.append(f"only {len(lifetimes)} of {args.slow} slow connections were closed by the server")
    if lifetimes and lifetimes[-1] > args.header_timeout + 1.0:
        problems.append(f"a slow connection lived {lifetimes[-1]:.2f} s, beyond the {args.header_timeout} s header timeout")
    if set(attack.statuses) - {"408"}:
        problems.append(f"slow connections ended other than with 408: {attack.statuses}")
    if exit_status != 0:
        problems.append(f"serve exited with {exit_status}")
    return verdict("slowloris", problems)


if __name__ == "__main__":
    sys.exit(main())
