"""Shared pieces of the reliability programme: start `shufflenet serve`, craft PNGs, speak raw HTTP.

Everything here talks to the real binary over real sockets; nothing is mocked.
"""

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib

REPOSITORY = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.abspath(os.environ.get("SHUFFLENET_SHARED_DIR", os.path.join(REPOSITORY, "..", "shared")))
BINARY = os.environ.get("SHUFFLENET_SERVE_BINARY", os.path.join(REPOSITORY, ".build/release/shufflenet"))
MODEL = os.environ.get("SHUFFLENET_MODEL_FILE", os.path.join(REPOSITORY, "models/shufflenet_v1_g3_0.5x.safetensors"))


def verdict(check, problems):
    """Prints each problem (the first 20) and returns the exit status: 0 when there are none."""
    for problem in problems[:20]:
        print(f"{check}: FAILED {problem}", file=sys.stderr)
    return 1 if problems else 0


class Service:
    """A `shufflenet serve` process on a free port, ready when constructed."""

    def __init__(self, *arguments, timeout=120):
        self.log_path = f"/tmp/shufflenet-reliability-{os.getpid()}-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "w+")
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [BINARY, "serve", "--host", "127.0.0.1", "--port", "0", "--model", MODEL, *arguments],
            stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + timeout
        self.port = None
        while time.monotonic() < deadline:
            text = self.text()
            if self.port is None:
                match = re.search(r"port=(\d+)", text)
                if match:
                    self.port = int(match.group(1))
            if self.port and " ready" in text:
                self.ready_seconds = time.monotonic() - self.started
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}: {text}")
            time.sleep(0.01)
        self.process.kill()
        raise RuntimeError(f"serve was not ready within {timeout} s: {self.text()}")

    def text(self):
        with open(self.log_path) as f:
            return f.read()

    @property
    def pid(self):
        return self.process.pid

    def rss_kib(self):
        return _status_field(self.pid, "VmRSS")

    def peak_rss_kib(self):
        return _status_field(self.pid, "VmHWM")

    def open_fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def stop(self, timeout=60):
        """SIGTERM, then the exit status (SIGKILL and None if it does not exit in time)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None
        finally:
            self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()
        try:
            os.unlink(self.log_path)
        except OSError:
            pass


def _status_field(pid, name):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


# MARK: - PNG crafting


def chunk(kind, data, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


SIGNATURE = b"\x89PNG\r\n\x1a\n"


def ihdr(width, height, depth=8, color=2, interlace=0, compression=0, filter_method=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, compression, filter_method, interlace))


def png(width, height, depth=8, color=2, interlace=0, raw=None, level=6, extra=b""):
    """A valid PNG of a flat grey image (or the given filtered scanlines), non-interlaced unless asked."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    if raw is None:
        row_bytes = (width * channels * depth + 7) // 8
        if interlace:
            raw = adam7_rows(width, height, channels, depth)
        else:
            raw = (b"\x00" + b"\x80" * row_bytes) * height
    palette = chunk(b"PLTE", bytes(range(256)) * 3) if color == 3 else b""
    return SIGNATURE + ihdr(width, height, depth, color, interlace) + palette + extra + \
        chunk(b"IDAT", zlib.compress(raw, level)) + chunk(b"IEND", b"")


def adam7_rows(width, height, channels, depth):
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    out = bytearray()
    for x0, y0, dx, dy in passes:
        w = (width - x0 + dx - 1) // dx if width > x0 else 0
        h = (height - y0 + dy - 1) // dy if height > y0 else 0
        if w == 0 or h == 0:
            continue
        row_bytes = (w * channels * depth + 7) // 8
        out += (b"\x00" + b"\x80" * row_bytes) * h
    return bytes(out)


def bomb(width, height, depth=8, color=0):
    """A small file whose zero-filled IDAT inflates to width × height pixels (streamed, never in memory)."""
    channels = {0: 1, 2: 3, 6: 4}[color]
    row = b"\x00" * (1 + (width * channels * depth + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    data = b"".join(parts) + compressor.flush()
    return SIGNATURE + ihdr(width, height, depth, color) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


# MARK: - Raw HTTP


def multipart(parts, boundary="----reliability"):
    """parts: (name, filename or None, content type or None, bytes)."""
    body = b""
    for name, filename, content_type, data in parts:
        body += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'.encode()
        if filename is not None:
            disposition += b'; filename="' + (filename if isinstance(filename, bytes) else filename.encode()) + b'"'
        body += b"Content-Disposition: " + disposition + b"\r\n"
        if content_type:
            body += f"Content-Type: {content_type}\r\n".encode()
        body += b"\r\n" + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def request(method, target, body=b"", headers=None, host="x"):
    headers = dict(headers or {})
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    if body and "Content-Length" not in headers and "Transfer-Encoding" not in headers:
        headers["Content-Length"] = str(len(body))
    headers.setdefault("Connection", "close")
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def exchange(port, payload, timeout=30, pause_after=None):
    """Sends raw bytes, reads until the server closes (or timeout), returns (status or None, headers, body, seconds)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered early and closed: read what it said
        if pause_after is not None:
            time.sleep(pause_after)
        data = b""
        try:
            while True:
                piece = s.recv(65536)
                if not piece:
                    break
                data += piece
                if _complete(data):
                    break
        except (socket.timeout, ConnectionResetError):
            pass
    return parse_response(data) + (time.monotonic() - started,)


def _complete(data):
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return match is not None and len(rest) >= int(match.group(1))


def parse_response(data):
    """The first response in `data`, skipping interim 1xx responses: (status, headers, body)."""
    while True:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            return None, {}, data
        lines = head.decode("latin-1").split("\r\n")
        match = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        if not match:
            return None, {}, data
        status = int(match.group(1))
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if 100 <= status < 200:
            data = rest
            continue
        length = int(headers.get("content-length", len(rest)))
        return status, headers, rest[:length]
