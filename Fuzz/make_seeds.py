#!/usr/bin/env python3
"""Writes small seed inputs for the model-file fuzzers into DIR (generated, so nothing binary is committed).

    make_seeds.py safetensors DIR     tiny safetensors files (with and without ShuffleNet metadata)
    make_seeds.py checkpoint DIR      a legacy torch.save file and a zip one, each with two small tensors
"""
import io
import json
import os
import pickle
import struct
import subprocess
import sys
import tempfile


def safetensors(tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, (shape, values) in tensors.items():
        blob = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


TENSORS = {"first_conv.0.weight": ([2, 3, 1, 1], [0.5, -1.0, 2.0, 0.25, 0.0, 1.5]), "classifier.0.weight": ([2, 2], [1.0, 0.0, 0.0, 1.0])}


def legacy_checkpoint():
    """torch.save's pre-1.6 layout: magic, protocol, sys_info, the state dict (persistent ids), keys, storages."""
    out = io.BytesIO()
    for value in (0x1950A86A20F9469CFC6C, 1001, {"protocol_version": 1001, "little_endian": True, "type_sizes": {"int": 4}}):
        pickle.dump(value, out, protocol=2)
    # The main pickle, by hand: {'state_dict': OrderedDict(name -> _rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict()))}
    p = bytearray(b"\x80\x02}X\x0a\x00\x00\x00state_dictccollections\nOrderedDict\n)R(")
    keys = []
    for index, (name, (shape, values)) in enumerate(TENSORS.items()):
        key = str(index).encode()
        keys.append(key)
        p += b"X" + struct.pack("<I", len(name)) + name.encode()
        p += b"ctorch._utils\n_rebuild_tensor_v2\n(("
        p += b"X\x07\x00\x00\x00storage" + b"ctorch\nFloatStorage\n" + b"X" + struct.pack("<I", len(key)) + key
        p += b"X\x03\x00\x00\x00cpu" + b"K" + bytes([len(values)]) + b"NtQ" + b"K\x00("
        stride, strides = 1, []
        for dim in reversed(shape):
            strides.insert(0, stride)
            stride *= dim
        p += b"".join(b"K" + bytes([d]) for d in shape) + b"t("
        p += b"".join(b"K" + bytes([s]) for s in strides) + b"t\x89ccollections\nOrderedDict\n)RtR"
    p += b"us."
    out.write(bytes(p))
    pickle.dump([k.decode() for k in keys], out, protocol=2)
    for shape, values in TENSORS.values():
        out.write(struct.pack("<q", len(values)) + struct.pack("<%df" % len(values), *values))
    return out.getvalue()


def main(kind, directory):
    os.makedirs(directory, exist_ok=True)
    if kind == "safetensors":
        open(os.path.join(directory, "bare.safetensors"), "wb").write(safetensors(TENSORS))
        arch = json.dumps({"groups": 3, "stem": 12, "widths": [120, 240, 480], "repeats": [4, 8, 4], "classes": 1000})
        open(os.path.join(directory, "meta.safetensors"), "wb").write(safetensors(TENSORS, {"arch": arch, "name": "seed"}))
    elif kind == "checkpoint":
        open(os.path.join(directory, "legacy.pth"), "wb").write(legacy_checkpoint())
        with tempfile.TemporaryDirectory() as tmp:
            source = os.path.join(tmp, "seed.safetensors")
            open(source, "wb").write(safetensors(TENSORS))
            script = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "make_torch_zip.py")
            subprocess.run([sys.executable, script, source, os.path.join(directory, "zip.pt")], check=True)
    else:
        raise SystemExit(f"unknown seed kind {kind}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
