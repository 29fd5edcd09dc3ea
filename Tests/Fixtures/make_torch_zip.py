#!/usr/bin/env python3
"""Write a PyTorch >= 1.6 zip-format checkpoint of a safetensors state dict, without PyTorch.

Usage: make_torch_zip.py IN.safetensors OUT.pt

Stand-in `torch` and `torch._utils` modules make `pickle` emit exactly the globals and persistent ids
`torch.save` writes: `torch._utils._rebuild_tensor_v2(('storage', torch.FloatStorage, key, 'cpu', numel),
offset, size, stride, requires_grad, OrderedDict())`. Keys get a `module.` prefix (as DataParallel leaves
them) and `classifier.0.weight` is stored transposed (a non-contiguous view) to exercise strided reads.
"""
import collections
import json
import pickle
import struct
import sys
import types
import zipfile

torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
torch._utils = torch_utils
sys.modules["torch"] = torch
sys.modules["torch._utils"] = torch_utils


def _storage_class(name):
    cls = type(name, (), {})
    cls.__module__ = "torch"
    setattr(torch, name, cls)
    return cls


FloatStorage = _storage_class("FloatStorage")
LongStorage = _storage_class("LongStorage")


def _rebuild_tensor_v2(*args):  # never called: only its name is pickled
    raise RuntimeError("stand-in")


_rebuild_tensor_v2.__module__ = "torch._utils"
torch_utils._rebuild_tensor_v2 = _rebuild_tensor_v2


class Storage:
    def __init__(self, key, cls, numel):
        self.key, self.cls, self.numel = key, cls, numel


class Tensor:
    def __init__(self, storage, shape, stride):
        self.storage, self.shape, self.stride = storage, shape, stride

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2, (self.storage, 0, tuple(self.shape), tuple(self.stride), False, collections.OrderedDict()))


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.cls, obj.key, "cpu", obj.numel)
        return None


def contiguous_strides(shape):
    strides, step = [], 1
    for dim in reversed(shape):
        strides.insert(0, step)
        step *= dim
    return strides


def read_safetensors(source):
    """(header without __metadata__ handled by the caller, data bytes) of a safetensors file."""
    raw = open(source, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def main(source, target):
    header, data = read_safetensors(source)
    state = collections.OrderedDict()
    blobs = {}
    for index, name in enumerate(sorted(k for k in header if k != "__metadata__")):
        entry = header[name]
        begin, end = entry["data_offsets"]
        blob, shape = data[begin:end], entry["shape"]
        stride = contiguous_strides(shape)
        if name == "classifier.0.weight":
            rows, cols = shape
            values = struct.unpack("<%df" % (rows * cols), blob)
            transposed = [values[r * cols + c] for c in range(cols) for r in range(rows)]
            blob, stride = struct.pack("<%df" % len(transposed), *transposed), [1, rows]
        cls = LongStorage if entry["dtype"] == "I64" else FloatStorage
        key = str(index)
        blobs[key] = blob
        numel = len(blob) // (8 if cls is LongStorage else 4)
        state["module." + name] = Tensor(Storage(key, cls, numel), shape, stride)

    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        import io
        buffer = io.BytesIO()
        TorchPickler(buffer, protocol=2).dump(state)
        archive.writestr("archive/data.pkl", buffer.getvalue())
        archive.writestr("archive/byteorder", "little")
        for key, blob in blobs.items():
            archive.writestr("archive/data/" + key, blob)
        archive.writestr("archive/version", "3\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
