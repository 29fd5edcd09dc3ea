#!/usr/bin/env python3
"""onnxruntime's own int8: the float ONNX graph of a model and its QDQ static quantization, and their top-1s.

    ort.py MODEL.safetensors WORK_DIR [--methods minmax entropy percentile]

builds WORK_DIR/NAME.onnx (Benchmarks/engine/export_onnx.py), quantizes it once per calibration method into
WORK_DIR/NAME.int8-METHOD.onnx and prints top-1 accuracy and agreement with the float graph on the held-out
photos (split.py). Benchmarks/int8/measure.py uses the same functions and adds the latency rounds.

Quantization: `onnxruntime.quantization.quantize_static`, QDQ format, weights per output channel (symmetric
int8), activations per tensor (uint8 with a zero point; `--activation-type`), after onnxruntime's recommended
`quant_pre_process` (shape inference and graph optimisation). Calibration: the 100 calibration photos of
split.py, preprocessed as our service does (`preprocess`), one image per calibration run. Methods:
MinMax (observed min and max over all images) and Percentile (99.999th percentile, 2048 bins) with
onnxruntime's defaults; Entropy (KL divergence, TensorRT's recipe) with 2048 histogram bins and 256 quantized
bins, computed by onnxruntime's EntropyCalibrater and handed to quantize_static as a calibration cache:
quantize_static does not pass bin counts on, and its own Entropy (128 bins, 128 quantized bins) has a single
candidate threshold, the whole range, so it gives exactly MinMax's scales (all 68 activation scales of 0.5× g3
equal, checked with onnxruntime 1.32.0). 256 quantized bins because onnxruntime's histogram spans [−t, t]:
128 bins on each side, as TensorRT's 128 on |x|.
"""
import argparse
import contextlib
import json
import os
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.calibrate import create_calibrator, save_tensors_data
from onnxruntime.quantization.shape_inference import quant_pre_process
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "engine"))
import export_onnx  # noqa: E402
from compare import ort_session as session  # noqa: E402  (Benchmarks/engine/compare.py: ORT_ENABLE_ALL, intra-op threads)
import split  # noqa: E402

METHODS = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy, "percentile": CalibrationMethod.Percentile}
ENTROPY_BINS = {"num_bins": 2048, "num_quantized_bins": 256}
# Our Preprocessing's defaults (Sources/ShuffleNet/Model/Preprocessing.swift): what a file without metadata gets.
MEGVII = {"resize_shorter_side": 256, "crop_size": 224, "channel_order": "BGR", "value_scale": 255.0,
          "mean": [0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0], "interpolation": "bilinear"}


def preprocessing_of(model_path):
    """The model file's `preprocessing` metadata (JSON in the safetensors header), else the Megvii defaults."""
    with open(model_path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        metadata = json.loads(f.read(n)).get("__metadata__", {})
    spec = dict(MEGVII)
    if "preprocessing" in metadata:
        spec.update(json.loads(metadata["preprocessing"]))
    if spec["interpolation"] != "bilinear":
        raise SystemExit(f"ort.py: {model_path}: interpolation {spec['interpolation']!r} is not bilinear")
    return spec


def preprocess(path, spec):
    """One photo as the 1×3×S×S float32 NCHW tensor our service computes (Sources/ShuffleNet/Preprocessing):
    EXIF orientation applied (classify's default), RGB, shorter side to `resize_shorter_side` with the longer side
    rounded half up, Pillow bilinear (antialiased), centre crop (offset rounded down), channel order, then
    s / 255 × value_scale − mean, / std."""
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image).convert("RGB")
    w, h = image.size
    shorter, crop = spec["resize_shorter_side"], spec["crop_size"]
    size = (shorter, int(shorter * h / w + 0.5)) if w <= h else (int(shorter * w / h + 0.5), shorter)
    image = image.resize(size, Image.BILINEAR)
    left, top = (size[0] - crop) // 2, (size[1] - crop) // 2
    rgb = np.asarray(image.crop((left, top, left + crop, top + crop)), dtype=np.float64)
    if spec["channel_order"] == "BGR":
        rgb = rgb[:, :, ::-1]
    x = (rgb * spec["value_scale"] / 255 - np.array(spec["mean"])) / np.array(spec["std"])
    return np.ascontiguousarray(x.transpose(2, 0, 1), dtype=np.float32)[None]


def calibration_tensors(spec):
    return [preprocess(entry["path"], spec) for entry in split.calibration()]


class _Reader(CalibrationDataReader):
    def __init__(self, tensors):
        self._items = iter(tensors)

    def get_next(self):
        x = next(self._items, None)
        return None if x is None else {"input": x}


def export_float(model_path, work):
    out = os.path.join(work, os.path.splitext(os.path.basename(model_path))[0] + ".onnx")
    export_onnx.export(model_path, out)
    return out


def quantize(float_onnx, method, tensors, activation_type="uint8"):
    """QDQ static quantization of `float_onnx` with one calibration method; returns the int8 model's path."""
    base = os.path.splitext(float_onnx)[0]
    prepared = base + ".preprocessed.onnx"
    if not os.path.exists(prepared):
        quant_pre_process(float_onnx, prepared)
    out = f"{base}.int8-{method}.onnx"
    reader, cache = _Reader(tensors), None
    with contextlib.redirect_stdout(sys.stderr):  # the calibrators' progress lines stay out of the tables
        if method == "entropy":
            cache = f"{base}.int8-entropy.ranges.json"
            with tempfile.TemporaryDirectory(prefix="ort-entropy-") as tmp:
                calibrator = create_calibrator(Path(prepared), [], augmented_model_path=os.path.join(tmp, "augmented.onnx"),
                                               calibrate_method=CalibrationMethod.Entropy, extra_options=ENTROPY_BINS)
                calibrator.collect_data(reader)
                save_tensors_data(calibrator.compute_data(), cache)
            reader = None
        quantize_static(prepared, out, reader, quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QUInt8 if activation_type == "uint8" else QuantType.QInt8,
                        weight_type=QuantType.QInt8, calibrate_method=METHODS[method], calibration_cache_path=cache)
    return out


def top1s(onnx_path, tensors, threads=2, batch=20):
    """Top-1 class index of each tensor (1×3×S×S), in order."""
    s = session(onnx_path, threads)
    out = []
    for i in range(0, len(tensors), batch):
        logits = s.run(None, {"input": np.concatenate(tensors[i:i + batch])})[0]
        out += [int(k) for k in logits.argmax(axis=1)]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("work")
    parser.add_argument("--methods", nargs="*", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--checkpoint-key", help="labels.json reference_top1 key (default: from the file name, e.g. g3_0.5x)")
    parser.add_argument("--activation-type", choices=["uint8", "int8"], default="uint8")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    key = args.checkpoint_key or next((k for k in split.CHECKPOINT_KEYS if k in os.path.basename(args.model)), None)
    spec = preprocessing_of(args.model)
    held = split.held_out()
    inputs = [preprocess(entry["path"], spec) for entry in held]
    labels = [entry["label"] for entry in held]
    float_onnx = export_float(args.model, args.work)
    reference = top1s(float_onnx, inputs)
    if key:
        same = sum(a == e["reference_top1"][key] for a, e in zip(reference, held))
        print(f"float ONNX top-1 = labels.json reference_top1[{key}] on {same}/{len(held)} held-out photos")
    print(f"float: top-1 {sum(a == b for a, b in zip(reference, labels))}/{len(held)}")
    tensors = calibration_tensors(spec)
    for method in args.methods:
        predicted = top1s(quantize(float_onnx, method, tensors, args.activation_type), inputs)
        print(f"int8 {method}: top-1 {sum(a == b for a, b in zip(predicted, labels))}/{len(held)}, "
              f"agreement with float {sum(a == b for a, b in zip(predicted, reference))}/{len(held)}")


if __name__ == "__main__":
    main()
