#!/usr/bin/env python3
"""Drives the test server with Python's http.client: keep-alive, a chunked upload, HEAD, and a 404.

Usage: http_client_check.py PORT   (prints OK lines; exits non-zero on the first mismatch)
"""
import http.client
import json
import sys


def main(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for i in range(3):  # the same connection, kept alive
        connection.request("GET", f"/items/{i}")
        response = connection.getresponse()
        body = response.read().decode()
        assert response.status == 200 and body == f"item {i}", (response.status, body)
    print("OK keep-alive")

    payload = bytes(range(256)) * 1000
    connection.request("POST", "/echo", body=iter([payload[:100000], payload[100000:]]),
                       headers={"Content-Type": "application/octet-stream"}, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 200 and response.read() == payload
    print("OK chunked upload")

    connection.request("HEAD", "/hello")
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Length") == "6" and response.read() == b""
    print("OK head")

    connection.request("GET", "/missing")
    response = connection.getresponse()
    error = json.loads(response.read())
    assert response.status == 404 and error["error"]["code"] == "not_found", error
    print("OK not found")
    connection.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
