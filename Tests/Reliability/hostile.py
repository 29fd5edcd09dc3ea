"""The hostile-input catalogue: crafted requests and images, each with the status it must get.

Usage: python hostile.py [--markdown]

Starts `shufflenet serve` (short header timeout so the slow cases finish quickly), sends every case over
a raw socket, and checks: the status is the expected one, every error body is JSON with a code and a
message, the server is still healthy afterwards, its peak memory never jumped by more than 200 MB on one
case, and nothing was logged as a crash. The access cases (API keys, CORS) run against a second server
started with --api-key-file, --cors-origins and --enable-model-control. With --markdown, prints the table for docs/reliability.md.
"""

import json
import os
import re
import struct
import sys
import tempfile
import zlib

from common import SHARED, Service, bomb, chunk, exchange, ihdr, multipart, png, request, SIGNATURE

CHELSEA = open(os.path.join(SHARED, "images/chelsea.png"), "rb").read()
JPEG = open(os.path.join(SHARED, "images/rocket.jpg"), "rb").read()
HEADER_TIMEOUT = 2


def upload(image, filename="x.png", content_type="image/png", query="", headers=None):
    body, kind = multipart([("image", filename, content_type, image)])
    return request("POST", "/classify" + query, body, {"Content-Type": kind, **(headers or {})})


def raw_png(image, query=""):
    return request("POST", "/classify" + query, image, {"Content-Type": "image/png"})


def with_crc(data, index, new_crc):
    """`data` with the CRC of chunk number `index` replaced."""
    offset = 8
    for _ in range(index):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        offset += 12 + length
    (length,) = struct.unpack(">I", data[offset:offset + 4])
    crc_at = offset + 8 + length
    return data[:crc_at] + struct.pack(">I", new_crc) + data[crc_at + 4:]


def idat_payload(data):
    out, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        if data[offset + 4:offset + 8] == b"IDAT":
            out += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    return out


SMALL = png(64, 48)
TRACERESPONSE = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def replaced_trace(*never):
    """A check: the response starts a new, valid trace and echoes none of `never`."""
    def check(headers, body):
        value = headers.get("traceresponse", "")
        problems = [] if TRACERESPONSE.match(value) else [f"traceresponse {value[:80]!r} is not a valid new trace"]
        head = json.dumps(headers)
        problems += [f"echoed {text[:40]!r}" for text in never if text in head or text.lower() in value]
        if "tracestate" in headers:
            problems.append("tracestate kept beside an invalid traceparent")
        return problems
    return check


def continued_trace(headers, body):
    value = headers.get("traceresponse", "")
    problems = [] if value.startswith(f"00-{CALLER_TRACE}-") else [f"trace not continued: {value!r}"]
    return problems + ([] if "tracestate" not in headers else ["a tracestate over 512 characters was kept"])


big_body = b"\x89PNG\r\n\x1a\n" + b"\x00" * (33 * 1024 * 1024)

CASES = [
    # id, category, what, payload, expected status
    ("valid-multipart", "control", "chelsea.png uploaded as curl -F does", upload(CHELSEA), 200),
    ("valid-raw", "control", "chelsea.png as a raw image/png body", raw_png(CHELSEA), 200),
    # -- images that are neither PNG nor JPEG (a JPEG is a control now)
    ("jpeg", "control", "a JPEG photo", upload(JPEG, "rocket.jpg", "image/jpeg"), 200),
    ("jpeg-truncated", "truncated", "the first half of a JPEG photo", upload(JPEG[: len(JPEG) // 2], "cut.jpg", "image/jpeg"), 422),
    ("jpeg-header-bomb", "size", "a JPEG frame header claiming 65500 x 65500", upload(b"\xff\xd8\xff\xc0\x00\x11\x08\xff\xdc\xff\xdc\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
                                                                                        b"\xff\xda\x00\x0c\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00\x00\xff\xd9", "bomb.jpg", "image/jpeg"), 413),
    ("gif", "format", "a GIF header", upload(b"GIF89a" + b"\x00" * 100, "a.gif", "image/gif"), 415),
    ("text", "format", "plain text named .png", upload(b"hello, world\n" * 10), 415),
    ("empty-image", "format", "an empty image part", upload(b""), 400),
    ("signature-only", "truncated", "the 8-byte PNG signature alone", upload(SIGNATURE), 422),
    # -- truncated and corrupted PNGs
    ("truncated-half", "truncated", "chelsea.png cut in half", upload(CHELSEA[: len(CHELSEA) // 2]), 422),
    ("truncated-ihdr", "truncated", "cut inside IHDR", upload(CHELSEA[:20]), 422),
    ("no-iend", "truncated", "complete image data but no IEND chunk", upload(SMALL[:-12]), 422),
    ("missing-rows", "truncated", "IDAT inflates to half the rows", upload(png(64, 48, raw=(b"\x00" + b"\x80" * 192) * 24)), 422),
    ("bad-ihdr-crc", "crc", "IHDR with a wrong CRC", upload(with_crc(SMALL, 0, 0xDEADBEEF)), 422),
    ("bad-idat-crc", "crc", "IDAT with a wrong CRC", upload(with_crc(SMALL, 1, 0)), 422),
    ("garbage-idat", "corrupt", "IDAT that is not a zlib stream", upload(SIGNATURE + ihdr(64, 48) + chunk(b"IDAT", os.urandom(300)) + chunk(b"IEND", b"")), 422),
    ("bad-filter", "corrupt", "scanline filter type 9", upload(png(8, 8, raw=(b"\x09" + b"\x80" * 24) * 8)), 422),
    ("bad-depth", "corrupt", "IHDR bit depth 7", upload(SIGNATURE + ihdr(8, 8, depth=7) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")), 422),
    ("bad-color-type", "corrupt", "IHDR colour type 5", upload(SIGNATURE + ihdr(8, 8, color=5) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")), 422),
    ("palette-no-plte", "corrupt", "palette image without PLTE", upload(SIGNATURE + ihdr(8, 8, color=3) + chunk(b"IDAT", zlib.compress((b"\x00" + b"\x01" * 8) * 8)) + chunk(b"IEND", b"")), 422),
    ("zero-size", "dimensions", "IHDR claims 0 × 0", upload(SIGNATURE + ihdr(0, 0) + chunk(b"IEND", b"")), 422),
    ("huge-chunk-length", "corrupt", "a chunk declaring 2^31−1 bytes", upload(SIGNATURE + ihdr(8, 8) + struct.pack(">I", 0x7FFFFFFF) + b"IDAT" + b"\x00" * 64), 422),
    ("trailing-garbage", "corrupt", "1 KiB of garbage after IEND", upload(SMALL + os.urandom(1024)), 200),
    # -- dimensions and decompression bombs (judged from the header: no allocation, no decoding)
    ("claims-100k", "dimensions", "header claims 100000 × 100000", upload(SIGNATURE + ihdr(100000, 100000) + chunk(b"IEND", b"")), 413),
    ("claims-2^31", "dimensions", "header claims 2^31−1 × 1", upload(SIGNATURE + ihdr(0x7FFFFFFF, 1) + chunk(b"IEND", b"")), 413),
    ("bomb-20k", "bomb", "20000 × 20000 grey that deflates to {} KiB".format(len(bomb(20000, 20000)) // 1024), upload(bomb(20000, 20000)), 413),
    ("bomb-16bit-rgba", "bomb", "16-bit RGBA 8000 × 8000", upload(bomb(8000, 8000, depth=16, color=6)), 413),
    ("interlaced-giant", "bomb", "interlaced 10000 × 5000 header", upload(SIGNATURE + ihdr(10000, 5000, interlace=1) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")), 413),
    ("bomb-under-limit", "bomb", "6000 × 6000 grey bomb (36 Mpx, under the 40 Mpx limit): decoded, bounded", upload(bomb(6000, 6000)), 200),
    ("strip-1x10000", "dimensions", "a 1 × 10000 strip (resized width would be 2.56 M)", upload(png(1, 10000)), 200),
    ("wide-20000x1", "dimensions", "a 20000 × 1 line", upload(png(20000, 1)), 200),
    ("tiny-1x1", "dimensions", "a 1 × 1 image", upload(png(1, 1)), 200),
    ("16bit-interlaced", "formats", "16-bit RGBA, interlaced, 300 × 200", upload(png(300, 200, depth=16, color=6, interlace=1)), 200),
    ("grey-2bit", "formats", "2-bit greyscale", upload(png(64, 64, depth=2, color=0)), 200),
    # -- multipart
    ("no-boundary", "multipart", "multipart/form-data without a boundary", request("POST", "/classify", b"--x\r\n\r\n", {"Content-Type": "multipart/form-data"}), 400),
    ("part-without-end", "multipart", "a part that never reaches its closing boundary",
     request("POST", "/classify", b"------b\r\nContent-Disposition: form-data; name=\"image\"\r\n\r\n" + SMALL, {"Content-Type": "multipart/form-data; boundary=----b"}), 400),
    ("no-image-part", "multipart", "the file sent as 'file', not 'image'", request("POST", "/classify", *(lambda b, k: (b, {"Content-Type": k}))(*multipart([("file", "x.png", "image/png", SMALL)]))), 400),
    ("boundary-too-long", "multipart", "a 200-character boundary", request("POST", "/classify", b"--" + b"b" * 200 + b"--\r\n", {"Content-Type": "multipart/form-data; boundary=" + "b" * 200}), 400),
    ("invalid-utf8-filename", "multipart", "a filename of invalid UTF-8 bytes", upload(SMALL, filename=b"\xff\xfe\xc3(.png"), 200),
    ("part-headers-flood", "multipart", "a part with 10000 header lines",
     request("POST", "/classify", b"------b\r\n" + b"X-A: b\r\n" * 10000 + b"Content-Disposition: form-data; name=\"image\"\r\n\r\n" + SMALL + b"\r\n------b--\r\n",
             {"Content-Type": "multipart/form-data; boundary=----b"}), 400),
    ("wrong-content-type", "body", "text/plain body", request("POST", "/classify", b"hello", {"Content-Type": "text/plain"}), 415),
    # -- body framing and size
    ("body-over-limit", "size", "a 33 MiB raw body (limit 32 MiB)", raw_png(big_body), 413),
    ("declared-over-limit", "size", "Content-Length 1 TB, nothing sent", request("POST", "/classify", b"", {"Content-Type": "image/png", "Content-Length": "1000000000000"}), 413),
    ("chunked-over-limit", "size", "chunked body growing past 32 MiB",
     request("POST", "/classify", b"".join(b"100000\r\n" + b"\x00" * 0x100000 + b"\r\n" for _ in range(33)) + b"0\r\n\r\n", {"Content-Type": "image/png", "Transfer-Encoding": "chunked"}), 413),
    ("expect-over-limit", "size", "Expect: 100-continue with 40 MB declared: final status, no 100",
     request("POST", "/classify", b"", {"Content-Type": "image/png", "Content-Length": "40000000", "Expect": "100-continue"}), 413),
    # -- request smuggling shapes and framing errors
    ("cl-and-te", "smuggling", "Content-Length and Transfer-Encoding together",
     request("POST", "/classify", b"0\r\n\r\n", {"Content-Length": "5", "Transfer-Encoding": "chunked"}), 400),
    ("two-cl", "smuggling", "two different Content-Lengths",
     b"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", 400),
    ("te-space-colon", "smuggling", "'Transfer-Encoding : chunked' (space before colon)",
     b"POST /classify HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400),
    ("te-identity-chunked", "smuggling", "Transfer-Encoding: identity, chunked", request("POST", "/classify", b"0\r\n\r\n", {"Transfer-Encoding": "identity, chunked"}), 501),
    ("te-gzip", "smuggling", "Transfer-Encoding: gzip", request("POST", "/classify", b"x", {"Transfer-Encoding": "gzip"}), 501),
    ("negative-cl", "framing", "Content-Length: -1", request("POST", "/classify", b"", {"Content-Length": "-1"}), 400),
    ("overflow-cl", "framing", "Content-Length of 30 digits", request("POST", "/classify", b"", {"Content-Length": "9" * 30}), 400),
    ("bad-chunk-size", "framing", "chunk size 'zz'", request("POST", "/classify", b"zz\r\nab\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked"}), 400),
    ("obs-fold", "headers", "an obs-fold continuation line", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400),
    ("nul-in-header", "headers", "a NUL byte in a header value", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    ("bare-cr", "headers", "a bare CR inside a header line", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400),
    ("no-host", "headers", "HTTP/1.1 without Host", b"GET /healthz HTTP/1.1\r\n\r\n", 400),
    ("header-flood", "headers", "101 header fields", b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(f"X-{i}: v\r\n".encode() for i in range(101)) + b"\r\n", 431),
    ("header-block-40k", "headers", "a 40 KiB header block", b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40960 + b"\r\n\r\n", 431),
    ("long-request-line", "request line", "a 9 KiB request target", b"GET /" + b"a" * 9216 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("http-2.0", "request line", "HTTP/2.0 on the request line", b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ("bad-method", "request line", "a method with a '(' in it", b"GE(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("binary-garbage", "request line", "4 KiB of random bytes", bytes(b % 200 + 1 for b in os.urandom(4096)) + b"\r\n\r\n", 400),
    ("bad-percent", "request line", "a broken percent escape in the path", b"GET /he%zzlthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("unknown-route", "routing", "GET /nope", request("GET", "/nope"), 404),
    ("wrong-method", "routing", "DELETE /classify", request("DELETE", "/classify"), 405),
    # -- query parameters
    ("top-k-zero", "query", "top_k=0", upload(SMALL, query="?top_k=0"), 400),
    ("top-k-1001", "query", "top_k=1001 (1000 classes)", upload(SMALL, query="?top_k=1001"), 400),
    ("top-k-negative", "query", "top_k=-5", upload(SMALL, query="?top_k=-5"), 400),
    ("top-k-absurd", "query", "top_k with 40 digits", upload(SMALL, query="?top_k=" + "9" * 40), 400),
    ("top-k-text", "query", "top_k=five", upload(SMALL, query="?top_k=five"), 400),
    ("top-k-1000", "query", "top_k=1000: every class", upload(SMALL, query="?top_k=1000"), 200),
    ("unknown-model", "query", "model=resnet50", upload(SMALL, query="?model=resnet50"), 400),
    ("model-invalid-utf8", "query", "model=%FF%FE (invalid UTF-8)", upload(SMALL, query="?model=%FF%FE"), 400),
    # -- trace context (W3C): malformed values are replaced, never echoed; oversized tracestate dropped
    ("traceparent-malformed", "trace", "traceparent of upper-case hex with a bad version",
     upload(CHELSEA, headers={"traceparent": "0G-" + CALLER_TRACE.upper() + "-00F067AA0BA902B7-01", "tracestate": "a=b"}), 200,
     replaced_trace(CALLER_TRACE.upper(), "0G-")),
    ("traceparent-8k", "trace", "an 8 KiB traceparent of script text",
     request("GET", "/healthz", headers={"traceparent": "<script>" + "x" * 8192}), 200, replaced_trace("<script>")),
    ("tracestate-20k", "trace", "a valid traceparent with a 20 KiB tracestate",
     request("GET", "/healthz", headers={"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01", "tracestate": ",".join(f"k{i}=v" for i in range(4000))}),
     200, continued_trace),
    # -- slow clients
    ("slow-headers", "timeouts", f"half a request head, then silence (header timeout {HEADER_TIMEOUT} s)", ("pause", b"GET /healthz HTTP/1.1\r\nHost: x\r\n"), 408),
]


KEY = "hostile-catalogue-key-0123456789"
ALLOWED_ORIGIN = "https://app.example.com"


def cors_absent(headers, body):
    return [f"CORS headers for a refused origin: {k}" for k in headers if k.startswith("access-control-")]


def cors_allowed(headers, body):
    return [] if headers.get("access-control-allow-origin") == ALLOWED_ORIGIN else [f"no Access-Control-Allow-Origin: {headers}"]


# Against a server with --api-key-file (one key, KEY) and --cors-origins ALLOWED_ORIGIN.
ACCESS_CASES = [
    ("key-control", "access", "chelsea.png with the right key", upload(CHELSEA, headers={"X-API-Key": KEY}), 200),
    ("key-missing", "access", "an upload without a key", upload(CHELSEA), 401),
    ("key-wrong", "access", "a wrong Bearer key", upload(CHELSEA, headers={"Authorization": "Bearer " + KEY[:-1] + "x"}), 401),
    ("key-basic-scheme", "access", "Authorization: Basic instead of Bearer", upload(SMALL, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401),
    ("key-5000-chars", "access", "a 5000-character key (longer than any key may be)", upload(SMALL, headers={"X-API-Key": "k" * 5000}), 401),
    ("authorization-64k", "access", "a 64 KiB Authorization header", upload(SMALL, headers={"Authorization": "Bearer " + "k" * 65536}), 431),
    ("key-missing-30mb", "access", "30 MB declared without a key, nothing sent: refused from the head",
     request("POST", "/classify", b"", {"Content-Type": "image/png", "Content-Length": "30000000"}), 401),
    ("public-without-key", "access", "GET /healthz (a public route) without a key", request("GET", "/healthz"), 200),
    ("preflight-refused-origin", "cors", "a preflight from an origin not allowed",
     request("OPTIONS", "/classify", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}), 204, cors_absent),
    ("preflight-allowed-no-key", "cors", "a preflight from the allowed origin, without a key",
     request("OPTIONS", "/classify", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "authorization"}), 204, cors_allowed),
    ("origin-8k-junk", "cors", "an 8 KiB Origin of junk on a public route", request("GET", "/healthz", headers={"Origin": "x" * 8192}), 200, cors_absent),
    # -- the model-repository API (this server has --enable-model-control and a --model-dir)
    ("repository-no-key", "repository", "a repository load without a key", request("POST", "/v2/repository/models/x/load", b""), 401),
    ("repository-outside", "repository", "a load of /etc/passwd, outside --model-dir",
     request("POST", "/v2/repository/models/x/load", b'{"parameters":{"path":"/etc/passwd"}}', {"X-API-Key": KEY, "Content-Type": "application/json"}), 400),
    ("repository-dotdot", "repository", "a load of ../../etc/passwd relative to --model-dir",
     request("POST", "/v2/repository/models/x/load", b'{"parameters":{"path":"../../etc/passwd"}}', {"X-API-Key": KEY, "Content-Type": "application/json"}), 400),
    ("repository-not-json", "repository", "a repository body that is not JSON",
     request("POST", "/v2/repository/models/x/load", b"\xff\xfe not json", {"X-API-Key": KEY}), 400),
    ("repository-unload-last", "repository", "unloading the only model", request("POST", "/v2/repository/models/shufflenet_v1_g3_0.5x/unload", b"", {"X-API-Key": KEY}), 409),
]


def run_case(service, payload):
    if isinstance(payload, tuple) and payload[0] == "pause":
        return exchange(service.port, payload[1], timeout=HEADER_TIMEOUT + 10)
    return exchange(service.port, payload, timeout=60)


def run_catalogue(service, cases, rows, failures, markdown):
    for case in cases:
        case_id, category, what, payload, expected = case[:5]
        check = case[5] if len(case) > 5 else None
        before = service.peak_rss_kib()
        status, headers, body, seconds = run_case(service, payload)
        growth_mib = (service.peak_rss_kib() - before) / 1024
        problems = []
        if status != expected:
            problems.append(f"status {status}, expected {expected}")
        code = ""
        if status is not None and status >= 400:
            try:
                error = json.loads(body)["error"]
                if isinstance(error, str):   # the Open Inference Protocol's shape, on /v2 paths
                    assert error and case_id.startswith("repository")
                    code = "v2"
                else:
                    code = error["code"]
                    assert error["message"]
            except Exception:
                problems.append(f"error body is not JSON with code and message: {body[:120]!r}")
        if status == 200 and b"/classify" in payload[:64]:
            try:
                predictions = json.loads(body)["predictions"]
                code = predictions[0]["label"]
            except Exception:
                problems.append(f"200 without predictions: {body[:120]!r}")
        if status is not None and not isinstance(payload, tuple) and not TRACERESPONSE.match(headers.get("traceresponse", "")):
            problems.append(f"no valid traceresponse: {headers.get('traceresponse')!r}")
        if check and status is not None:
            problems += check(headers, body)
        if growth_mib > 200:
            problems.append(f"peak memory grew by {growth_mib:.0f} MiB")
        health = exchange(service.port, request("GET", "/healthz"), timeout=10)[0]
        if health != 200:
            problems.append(f"/healthz answered {health} afterwards")
        rows.append((case_id, category, what, expected, status, code, seconds, growth_mib, problems))
        if problems:
            failures.append((case_id, problems))
        if not markdown:
            mark = "ok  " if not problems else "FAIL"
            print(f"{mark} {case_id:24} expected {expected} got {status} {code:28} {seconds * 1000:8.1f} ms  {'; '.join(problems)}")


def main():
    markdown = "--markdown" in sys.argv
    rows, failures = [], []
    with Service("--workers", "2", "--header-timeout", str(HEADER_TIMEOUT)) as service:
        baseline_peak = service.peak_rss_kib()
        run_catalogue(service, CASES, rows, failures, markdown)
        final_peak = service.peak_rss_kib()
        exit_status = service.stop()
    if exit_status != 0:
        failures.append(("shutdown", [f"serve exited with {exit_status}"]))
    with tempfile.NamedTemporaryFile("w", suffix=".keys", delete=False) as keys:
        keys.write(f"# hostile catalogue\n{KEY}\n")
    try:
        with Service("--workers", "2", "--header-timeout", str(HEADER_TIMEOUT), "--api-key-file", keys.name,
                     "--cors-origins", ALLOWED_ORIGIN, "--enable-model-control", "--model-dir", tempfile.gettempdir()) as guarded:
            run_catalogue(guarded, ACCESS_CASES, rows, failures, markdown)
            if KEY in guarded.text():
                failures.append(("key-in-log", ["the API key appears in the server's log"]))
            guarded_exit = guarded.stop()
    finally:
        os.unlink(keys.name)
    if guarded_exit != 0:
        failures.append(("shutdown", [f"the server with keys exited with {guarded_exit}"]))
    if markdown:
        print("| # | case | category | what is sent | expected | got | code / top-1 | ms |")
        print("|---|---|---|---|---|---|---|---|")
        for i, (case_id, category, what, expected, status, code, seconds, _, problems) in enumerate(rows, 1):
            got = f"{status}" if not problems else f"**{status}** ({'; '.join(problems)})"
            print(f"| {i} | `{case_id}` | {category} | {what} | {expected} | {got} | {code} | {seconds * 1000:.0f} |")
    print(f"hostile: {len(rows)} cases, {len(rows) - len(failures)} as expected; peak RSS {baseline_peak // 1024} -> {final_peak // 1024} MiB; exit {exit_status}",
          file=sys.stderr)
    for case_id, problems in failures:
        print(f"hostile: FAILED {case_id}: {'; '.join(problems)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
