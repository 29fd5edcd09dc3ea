"""The stack a Python team would deploy instead: Starlette on uvicorn, Pillow, onnxruntime.

Same contract as our POST /classify (multipart part `image` or a raw PNG or JPEG body; top-5 JSON) and the same
decoding and preprocessing: Pillow decodes PNG and JPEG (JPEG full size, as our default `exact`), applies the EXIF
orientation as ours does by default, then shorter side to 256 (longer side rounded half up), Pillow bilinear,
centre crop 224 (offset rounded down), BGR, 0…255. Run: SHUFFLENET_ONNX=model.onnx uvicorn python_app:app --port 8001
"""
import io
import os
import time

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

options = ort.SessionOptions()
options.intra_op_num_threads = int(os.environ.get("ORT_THREADS", "1"))
options.inter_op_num_threads = 1
SESSION = ort.InferenceSession(os.environ["SHUFFLENET_ONNX"], options, providers=["CPUExecutionProvider"])


def preprocess(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    ImageOps.exif_transpose(image, in_place=True)
    image = image.convert("RGB")
    w, h = image.size
    if w <= h:
        size = (256, int(256 * h / w + 0.5))
    else:
        size = (int(256 * w / h + 0.5), 256)
    image = image.resize(size, Image.BILINEAR)
    left, top = (size[0] - 224) // 2, (size[1] - 224) // 2
    array = np.asarray(image.crop((left, top, left + 224, top + 224)), dtype=np.float32)[:, :, ::-1]
    return np.ascontiguousarray(array.transpose(2, 0, 1))[None]


def classify_bytes(data: bytes):
    start = time.perf_counter()
    x = preprocess(data)
    prepared = time.perf_counter()
    logits = SESSION.run(None, {"input": x})[0][0]
    done = time.perf_counter()
    e = np.exp(logits - logits.max())
    p = e / e.sum()
    top = np.argsort(-p)[:5]
    return {"predictions": [{"index": int(i), "probability": float(p[i])} for i in top],
            "timings_ms": {"preprocess": (prepared - start) * 1000, "inference": (done - prepared) * 1000}}


async def classify(request: Request):
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = await request.form()
        data = await form["image"].read()
    else:
        data = await request.body()
    return JSONResponse(await run_in_threadpool(classify_bytes, data))


app = Starlette(routes=[Route("/classify", classify, methods=["POST"])])
