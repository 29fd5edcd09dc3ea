#!/usr/bin/env python3
"""What NVIDIA's tritonclient (HTTP) sends and how it reads answers, for OpenInferenceTests.

    tritonclient_bodies.py requests DIR          for each request NAME built by tritonclient's own
                                                 generate_request_body: DIR/NAME.body (the HTTP body),
                                                 DIR/NAME.json (header length, id, outputs, parameters, inputs)
                                                 and DIR/NAME.INPUT.expected (each input's elements in the
                                                 binary tensor data layout: little-endian, BYTES length-prefixed)
    tritonclient_bodies.py response BODY LENGTH  parses a response body as tritonclient does (LENGTH is the
                                                 Inference-Header-Content-Length value, or - when absent) and
                                                 prints {output: {"datatype", "shape", "data"}} as JSON

Exits 3 when tritonclient is not installed.
"""
import json
import os
import sys

try:
    import numpy as np
    from tritonclient.http import InferenceServerClient, InferInput, InferRequestedOutput
    from tritonclient.utils import serialize_byte_tensor
except ImportError as error:
    print(f"tritonclient is not installed: {error}", file=sys.stderr)
    sys.exit(3)


def tensor(name, datatype, array, binary):
    made = InferInput(name, list(array.shape), datatype)
    made.set_data_from_numpy(array, binary_data=binary)
    return made


def expected_bytes(array, datatype):
    if datatype == "BYTES":
        encoded = np.array([x if isinstance(x, bytes) else str(x).encode() for x in array.flatten()], dtype=np.object_)
        return serialize_byte_tensor(encoded).item() if encoded.size else b""
    return array.astype(array.dtype.newbyteorder("<")).tobytes()


def requests():
    rng = np.random.default_rng(14)
    images = (rng.standard_normal((2, 3, 4, 4)) * 100).astype(np.float32)
    images.flat[:4] = [np.float32(1e-45), np.float32(3.4028235e38), np.float32(-0.0), np.float32(0.1)]
    files = np.array([b"\x89PNG\r\n\x1a\n\x00\xff" + bytes(range(256)), b"", b"second \xc3"], dtype=np.object_)
    words = np.array(["caf\u00e9", "\u732b \U0001f408", "quote \" backslash \\ tab \t"], dtype=np.object_)
    classify = [InferRequestedOutput("logits", binary_data=True), InferRequestedOutput("probabilities", binary_data=False, class_count=5)]
    return {
        "fp32-binary": dict(inputs=[("input", "FP32", images, True)], outputs=classify, request_id="batch-2", parameters={"custom": "yes", "n": 3}),
        "fp32-json": dict(inputs=[("input", "FP32", images, False)]),
        "bytes-binary": dict(inputs=[("image", "BYTES", files, True)], outputs=[InferRequestedOutput("probabilities", class_count=1)]),
        "bytes-json": dict(inputs=[("image", "BYTES", words, False)], outputs=[InferRequestedOutput("logits", binary_data=False)]),
        "mixed": dict(inputs=[
            ("i64", "INT64", np.array([[-2**63, 2**63 - 1]], dtype=np.int64), False),
            ("u8", "UINT8", np.array([0, 7, 255], dtype=np.uint8), False),
            ("flags", "BOOL", np.array([True, False, True]), False),
            ("f64", "FP64", np.array([0.1, -1e300, 5e-324], dtype=np.float64), False),
            ("i16", "INT16", np.array([-32768, 1, 32767], dtype=np.int16), True),
            ("half", "FP16", np.array([1.5, -65504, 6e-8], dtype=np.float16), True),
        ], request_id="mixed"),
    }


def write_requests(directory):
    os.makedirs(directory, exist_ok=True)
    for name, spec in requests().items():
        inputs = [tensor(*entry) for entry in spec["inputs"]]
        body, header_length = InferenceServerClient.generate_request_body(
            inputs, outputs=spec.get("outputs"), request_id=spec.get("request_id", ""), parameters=spec.get("parameters"))
        with open(os.path.join(directory, name + ".body"), "wb") as out:
            out.write(body)
        for input_name, datatype, array, _ in spec["inputs"]:
            with open(os.path.join(directory, f"{name}.{input_name}.expected"), "wb") as out:
                out.write(expected_bytes(array, datatype))
        outputs = spec.get("outputs")
        meta = {
            "header_length": header_length,
            "id": spec.get("request_id"),
            "parameters": spec.get("parameters") or {},
            "outputs": None if outputs is None else [o._get_tensor() for o in outputs],
            "inputs": [{"name": n, "datatype": d, "shape": list(a.shape), "binary": b} for n, d, a, b in spec["inputs"]],
        }
        with open(os.path.join(directory, name + ".json"), "w") as out:
            json.dump(meta, out)
        print(name)


def read_response(path, length):
    with open(path, "rb") as source:
        body = source.read()
    result = InferenceServerClient.parse_response_body(body, header_length=None if length == "-" else int(length))
    summary = {}
    for output in result.get_response()["outputs"]:
        array = result.as_numpy(output["name"])
        if array.dtype == np.object_:
            data = [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in array.flatten()]
        else:
            data = array.flatten().tolist()
        summary[output["name"]] = {"datatype": output["datatype"], "shape": list(array.shape), "data": data}
    print(json.dumps(summary))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "requests":
        write_requests(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "response":
        read_response(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
