#!/usr/bin/env python3
"""NVIDIA's tritonclient (HTTP) against a live shufflenet-serve: the Open Inference Protocol as a real
client speaks it. Usage: tritonclient_test.py BASE_URL SHARED_DIR MODEL_NAME

Checks: liveness, readiness, server and model metadata; FP32 inference with binary and with JSON data in
both directions matching the reference logits (1e-4 relative to the largest); the four reference images as
one batch; a PNG through `image` with the classification extension giving the reference top-1; errors for a
wrong datatype, a wrong shape, a short binary payload and an unknown model. Exits non-zero on any failure.
"""
import json
import struct
import sys
import urllib.parse

import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

base, shared, model = sys.argv[1], sys.argv[2], sys.argv[3]
url = urllib.parse.urlparse(base).netloc
client = httpclient.InferenceServerClient(url=url)
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        assert entry["dtype"] == "F32", entry
        tensors[name] = np.frombuffer(data[8 + n + start:8 + n + end], dtype="<f4").reshape(entry["shape"])
    return tensors


manifest = json.load(open(f"{shared}/reference/manifest.json"))
groups = "g8" if "g8" in model else "g3"
references = [e for e in manifest["pretrained"] if e["model"] == f"shufflenetv1_{groups}_0.5x.pth.tar"]
ios = [read_safetensors(f"{shared}/{e['io']}") for e in references]


def close(got, expected):
    scale = float(np.abs(expected).max())
    return float(np.abs(got - expected).max()) <= 1e-4 * scale


check(client.is_server_live(), "server live")
check(client.is_server_ready(), "server ready")
check(client.is_model_ready(model), f"model {model} ready")
check(client.is_model_ready(model, model_version="1"), "model ready at version 1")
metadata = client.get_server_metadata()
check({"binary_tensor_data", "classification"} <= set(metadata["extensions"]), f"server metadata extensions {metadata['extensions']}")
model_metadata = client.get_model_metadata(model)
inputs = {t["name"]: t for t in model_metadata["inputs"]}
check(inputs["input"]["datatype"] == "FP32" and inputs["input"]["shape"] == [-1, 3, 224, 224], "model metadata: input FP32 [-1,3,224,224]")
check(inputs["image"]["datatype"] == "BYTES" and inputs["image"]["shape"] == [-1], "model metadata: image BYTES [-1]")
check([t["name"] for t in model_metadata["outputs"]] == ["logits", "probabilities"], "model metadata: outputs")

# FP32 both ways: binary or JSON request data × binary or JSON response data.
for binary_in in (True, False):
    for binary_out in (True, False):
        tensor = ios[0]["input"]
        inp = httpclient.InferInput("input", list(tensor.shape), "FP32")
        inp.set_data_from_numpy(tensor, binary_data=binary_in)
        out = httpclient.InferRequestedOutput("logits", binary_data=binary_out)
        result = client.infer(model, [inp], outputs=[out], request_id="ref-0")
        logits = result.as_numpy("logits")
        check(logits.shape == (1, 1000) and close(logits, ios[0]["logits"]),
              f"FP32 {'binary' if binary_in else 'JSON'} in, {'binary' if binary_out else 'JSON'} out matches the reference logits")
        check(result.get_response()["id"] == "ref-0", "request id echoed")

# The four reference images in one request.
batch = np.concatenate([io["input"] for io in ios], axis=0)
inp = httpclient.InferInput("input", list(batch.shape), "FP32")
inp.set_data_from_numpy(batch)
result = client.infer(model, [inp], outputs=[httpclient.InferRequestedOutput("logits"), httpclient.InferRequestedOutput("probabilities")])
logits = result.as_numpy("logits")
check(logits.shape == (4, 1000) and all(close(logits[i:i + 1], ios[i]["logits"]) for i in range(4)), "a batch of four matches each reference")
probabilities = result.as_numpy("probabilities")
check(np.allclose(probabilities.sum(axis=1), 1, atol=1e-4), "probabilities sum to 1")

# A PNG through `image`, with the classification extension.
for entry in references:
    png = open(f"{shared}/{entry['image']}", "rb").read()
    inp = httpclient.InferInput("image", [1], "BYTES")
    inp.set_data_from_numpy(np.array([png], dtype=np.object_))
    result = client.infer(model, [inp], outputs=[httpclient.InferRequestedOutput("probabilities", class_count=3)])
    top = result.as_numpy("probabilities")[0][0].decode()
    value, index, label = top.split(":", 2)
    check(int(index) == entry["top5"][0]["index"] and label == entry["top5"][0]["label"], f"{entry['image']} via image: top-1 {top}")
    check(abs(float(value) - entry["top5"][0]["probability"]) < 1e-3, f"{entry['image']} top-1 probability {value}")


def expect_error(what, call, status_word):
    try:
        call()
        check(False, f"{what}: refused")
    except InferenceServerException as error:
        check(status_word in str(error.status()) or status_word in str(error), f"{what}: refused ({error.status()}: {error.message()})")


def wrong_datatype():
    inp = httpclient.InferInput("input", [1, 3, 224, 224], "FP64")
    inp.set_data_from_numpy(ios[0]["input"].astype(np.float64))
    client.infer(model, [inp])


def wrong_shape():
    inp = httpclient.InferInput("input", [1, 3, 200, 200], "FP32")
    inp.set_data_from_numpy(np.zeros((1, 3, 200, 200), dtype=np.float32))
    client.infer(model, [inp])


def unknown_model():
    inp = httpclient.InferInput("input", [1, 3, 224, 224], "FP32")
    inp.set_data_from_numpy(ios[0]["input"])
    client.infer("no_such_model", [inp])


expect_error("wrong datatype", wrong_datatype, "400")
expect_error("wrong shape", wrong_shape, "400")
expect_error("unknown model", unknown_model, "404")

# A short binary payload: tritonclient cannot send one, so the request is built by hand on the same client.
header = json.dumps({"inputs": [{"name": "input", "shape": [1, 3, 224, 224], "datatype": "FP32",
                                 "parameters": {"binary_data_size": 3 * 224 * 224 * 4}}]}).encode()
body = header + b"\0" * 1000
response = client._post(f"v2/models/{model}/infer", body, {"Inference-Header-Content-Length": str(len(header))}, None)
check(response.status_code == 400 and "error" in json.loads(response.read()), f"short binary payload: {response.status_code}")

client.close()
if failures:
    print(f"tritonclient: {len(failures)} check(s) failed")
    sys.exit(1)
print("tritonclient: every check passed")
