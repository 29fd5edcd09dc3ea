#!/usr/bin/env python3
"""Build the ONNX graph of a ShuffleNet v1 safetensors model, independently of the Swift code.

    export_onnx.py MODEL.safetensors OUT.onnx            # the weights in the file
    export_onnx.py --random PRESET OUT.safetensors       # write random weights (Megvii state-dict names)

The graph follows Megvii's module: conv-BN-ReLU stem and 3x3/2 max pool; units of 1x1 grouped conv, ReLU,
3x3 depthwise, the checkpoints' channel shuffle (view C as (C/g, g), transpose to (g, C/g)), 1x1 grouped
conv; ReLU(x + branch) or concat(avgpool(x), ReLU(branch)); global average pool and a bias-free linear.
BatchNorm is folded into each conv in float64 (epsilon 1e-5), as the Swift loader does.
"""
import json
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MEGVII = {  # stem, stage widths
    "megvii-0.5x-g3": (3, 12, [120, 240, 480]), "megvii-0.5x-g8": (8, 16, [192, 384, 768]),
    "megvii-1x-g3": (3, 24, [240, 480, 960]), "megvii-1x-g8": (8, 24, [384, 768, 1536]),
    "megvii-2x-g3": (3, 48, [480, 960, 1920]), "megvii-2x-g8": (8, 48, [768, 1536, 3072]),
}


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=dtypes[entry["dtype"]]).reshape(entry["shape"])
        tensors[name.removeprefix("module.")] = array.astype(np.float64) if entry["dtype"] != "I64" else array
    return tensors


def units(stem, widths, repeats=(4, 8, 4)):
    channels, index = stem, 0
    for stage, (width, count) in enumerate(zip(widths, repeats)):
        for i in range(count):
            yield index, stage, i, channels, width, 2 if i == 0 else 1
            channels, index = width, index + 1


def write_random(preset, path, seed=1):
    groups, stem, widths = MEGVII[preset]
    rng = np.random.default_rng(seed)
    tensors = {}

    def conv(name, shape):
        fan_in = int(np.prod(shape[1:]))
        tensors[name] = (rng.uniform(-1, 1, shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    def bn(prefix, c):
        tensors[prefix + ".weight"] = rng.uniform(0.5, 1.5, c).astype(np.float32)
        tensors[prefix + ".bias"] = rng.uniform(-0.1, 0.1, c).astype(np.float32)
        tensors[prefix + ".running_mean"] = rng.uniform(-0.1, 0.1, c).astype(np.float32)
        tensors[prefix + ".running_var"] = rng.uniform(0.5, 1.5, c).astype(np.float32)

    conv("first_conv.0.weight", (stem, 3, 3, 3))
    bn("first_conv.1", stem)
    for index, stage, i, cin, cout, stride in units(stem, widths):
        mid, branch = cout // 4, (cout - cin if stride == 2 else cout)
        g1 = 1 if index == 0 else groups
        p = f"features.{index}"
        conv(p + ".branch_main_1.0.weight", (mid, cin // g1, 1, 1))
        bn(p + ".branch_main_1.1", mid)
        conv(p + ".branch_main_1.3.weight", (mid, 1, 3, 3))
        bn(p + ".branch_main_1.4", mid)
        conv(p + ".branch_main_2.0.weight", (branch, mid // groups, 1, 1))
        bn(p + ".branch_main_2.1", branch)
    conv("classifier.0.weight", (1000, widths[-1]))
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        blob = tensors[name].tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def export(model_path, onnx_path, size=224):
    t = read_safetensors(model_path)
    stem = t["first_conv.0.weight"].shape[0]
    count = 0
    while f"features.{count}.branch_main_1.0.weight" in t:
        count += 1
    mid_groups = t["features.1.branch_main_2.0.weight"]
    groups = t["features.1.branch_main_1.3.weight"].shape[0] // mid_groups.shape[1]
    nodes, inits = [], []

    def folded(conv_name, bn_prefix):
        w = t[conv_name]
        scale = t[bn_prefix + ".weight"] / np.sqrt(t[bn_prefix + ".running_var"] + 1e-5)
        bias = t[bn_prefix + ".bias"] - t[bn_prefix + ".running_mean"] * scale
        return (w * scale[:, None, None, None]).astype(np.float32), bias.astype(np.float32)

    def add_conv(x, out, w, b, group=1, stride=1, pad=0):
        inits.append(numpy_helper.from_array(w, out + "_w"))
        inits.append(numpy_helper.from_array(b, out + "_b"))
        k = w.shape[2]
        nodes.append(helper.make_node("Conv", [x, out + "_w", out + "_b"], [out], group=group, strides=[stride, stride],
                                      pads=[pad] * 4, kernel_shape=[k, k]))
        return out

    def relu(x, out):
        nodes.append(helper.make_node("Relu", [x], [out]))
        return out

    x = add_conv("input", "stem", *folded("first_conv.0.weight", "first_conv.1"), stride=2, pad=1)
    x = relu(x, "stem_relu")
    nodes.append(helper.make_node("MaxPool", [x], ["pool"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
    x, side, channels = "pool", size // 4, stem
    for index in range(count):
        p = f"features.{index}"
        w1, b1 = folded(p + ".branch_main_1.0.weight", p + ".branch_main_1.1")
        mid, cin_per = w1.shape[0], w1.shape[1]
        g1 = channels // cin_per
        w2, b2 = folded(p + ".branch_main_2.0.weight", p + ".branch_main_2.1")
        stride = 1 if (w2.shape[0] == channels and 4 * mid == channels and index > 0) else 2
        u = f"u{index}"
        y = relu(add_conv(x, u + "_pw1", w1, b1, group=g1), u + "_pw1r")
        wd, bd = folded(p + ".branch_main_1.3.weight", p + ".branch_main_1.4")
        y = add_conv(y, u + "_dw", wd, bd, group=mid, stride=stride, pad=1)
        out_side = side // stride
        if groups > 1:
            s1 = numpy_helper.from_array(np.array([0, mid // groups, groups, out_side, out_side], dtype=np.int64), u + "_s1")
            s2 = numpy_helper.from_array(np.array([0, mid, out_side, out_side], dtype=np.int64), u + "_s2")
            inits += [s1, s2]
            nodes.append(helper.make_node("Reshape", [y, u + "_s1"], [u + "_r1"]))
            nodes.append(helper.make_node("Transpose", [u + "_r1"], [u + "_t"], perm=[0, 2, 1, 3, 4]))
            nodes.append(helper.make_node("Reshape", [u + "_t", u + "_s2"], [u + "_shuf"]))
            y = u + "_shuf"
        y = add_conv(y, u + "_pw2", w2, b2, group=groups)
        if stride == 1:
            nodes.append(helper.make_node("Add", [x, y], [u + "_add"]))
            x = relu(u + "_add", u + "_out")
        else:
            nodes.append(helper.make_node("AveragePool", [x], [u + "_avg"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                                          count_include_pad=1))
            y = relu(y, u + "_br")
            nodes.append(helper.make_node("Concat", [u + "_avg", y], [u + "_out"], axis=1))
            x = u + "_out"
            channels = channels + w2.shape[0]
        side = out_side
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], axis=1))
    fc = t["classifier.0.weight"].astype(np.float32)
    inits.append(numpy_helper.from_array(fc.T.copy(), "fc_w"))
    nodes.append(helper.make_node("MatMul", ["flat", "fc_w"], ["logits"]))
    graph = helper.make_graph(nodes, "shufflenet_v1", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, size, size])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", fc.shape[0]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, onnx_path)


if __name__ == "__main__":
    if sys.argv[1] == "--random":
        write_random(sys.argv[2], sys.argv[3])
    else:
        export(sys.argv[1], sys.argv[2])
