#!/usr/bin/env python3
"""Writes small seed inputs for the model-file and JPEG fuzzers into DIR (generated, so nothing binary is committed).

    make_seeds.py safetensors DIR     tiny safetensors files (with and without ShuffleNet metadata)
    make_seeds.py checkpoint DIR      a legacy torch.save file and a zip one, each with two small tensors
    make_seeds.py v2-request DIR      Open Inference Protocol request bodies: JSON data (flat, nested, every
                                      datatype) and binary tensor data, each after a "#<header length>" line


    make_seeds.py jpeg DIR            small real JPEGs (Pillow, and cjpeg when present): baseline, progressive,
                                      greyscale, CMYK, restart markers, subsamplings, Exif and XMP orientation,
                                      arithmetic coding
"""
import io
import json
import os
import pickle
import shutil
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


def v2_requests():
    """(name, header line or None, JSON object, binary tail) for the v2-request fuzzer; see V2RequestFuzz.swift."""
    floats = [0.5, -1.25, 3.0e-5, 255.0, 0.1, 1e10, -0.0, 7.0, 2.5, 0.333, 128.0, 1.0]
    fp32 = {"name": "input", "shape": [1, 3, 2, 2], "datatype": "FP32"}
    outputs = [{"name": "logits", "parameters": {"binary_data": True}},
               {"name": "probabilities", "parameters": {"classification": 3, "binary_data": False}}]
    nested = [[[floats[0:2], floats[2:4]], [floats[4:6], floats[6:8]], [floats[8:10], floats[10:12]]]]
    every_type = [
        {"name": "b", "datatype": "BOOL", "shape": [2], "data": [True, False]},
        {"name": "u8", "datatype": "UINT8", "shape": [2], "data": [0, 255]},
        {"name": "i16", "datatype": "INT16", "shape": [1, 2], "data": [[-32768, 32767]]},
        {"name": "u64", "datatype": "UINT64", "shape": [1], "data": [18446744073709551615]},
        {"name": "i64", "datatype": "INT64", "shape": [1], "data": [-9223372036854775808]},
        {"name": "f64", "datatype": "FP64", "shape": [2], "data": [1.7976931348623157e308, 5e-324]},
        {"name": "s", "datatype": "BYTES", "shape": [2], "data": ["caf\u00e9 \ud83d\udc08", "tab\there"]},
    ]
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(24))
    bytes_tail = b"".join(struct.pack("<I", len(e)) + e for e in (png, b"", b"second"))
    float_tail = struct.pack("<12f", *floats)
    return [
        ("json-flat", None, {"id": "42", "inputs": [dict(fp32, data=floats)], "outputs": outputs}, b""),
        ("json-nested", None, {"inputs": [dict(fp32, data=nested)], "parameters": {"binary_data_output": True}}, b""),
        ("json-data-first", None, {"inputs": [{"data": floats, "shape": [12], "name": "input", "datatype": "FP32"}]}, b""),
        ("json-every-type", None, {"id": "x", "parameters": {"a": 1, "b": "s", "c": 2.5, "d": None}, "inputs": every_type}, b""),
        ("binary-fp32", True, {"inputs": [dict(fp32, parameters={"binary_data_size": len(float_tail)})], "outputs": outputs}, float_tail),
        ("binary-bytes", True, {"inputs": [{"name": "image", "shape": [3], "datatype": "BYTES",
                                            "parameters": {"binary_data_size": len(bytes_tail)}}]}, bytes_tail),
        ("binary-mixed", True, {"inputs": [dict(fp32, parameters={"binary_data_size": len(float_tail)}),
                                           {"name": "n", "shape": [2], "datatype": "INT32", "data": [1, -2]},
                                           {"name": "image", "shape": [3], "datatype": "BYTES",
                                            "parameters": {"binary_data_size": len(bytes_tail)}}]}, float_tail + bytes_tail),
    ]


def jpeg_seeds(directory):
    """Small JPEGs of a 24 x 17 picture (odd sizes: partial MCUs), one per variant the decoder handles."""
    from PIL import Image  # Pillow comes from the .venv (Tests/ImageDecodingTests/Fixtures/requirements.txt)

    picture = Image.new("RGB", (24, 17))
    picture.putdata([(x * 10, y * 15, (x * y) % 256) for y in range(17) for x in range(24)])
    exif = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00"
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description tiff:Orientation="8"/></x:xmpmeta>'
    seeds = {
        "baseline-420": (picture, {"quality": 80}),
        "baseline-444": (picture, {"quality": 80, "subsampling": 0}),
        "baseline-422": (picture, {"quality": 80, "subsampling": 1}),
        "progressive": (picture, {"quality": 80, "progressive": True}),
        "optimized": (picture, {"quality": 50, "optimize": True}),
        "grayscale": (picture.convert("L"), {"quality": 80}),
        "cmyk": (picture.convert("CMYK"), {"quality": 80}),
        "cmyk-progressive": (picture.convert("CMYK"), {"quality": 80, "progressive": True}),
        "restart": (picture, {"quality": 80, "restart_marker_blocks": 1}),
        "exif-orientation": (picture, {"quality": 80, "exif": exif}),
        "xmp-orientation": (picture, {"quality": 80, "xmp": xmp}),
    }
    for name, (image, options) in seeds.items():
        image.save(os.path.join(directory, name + ".jpg"), "JPEG", **options)
    cjpeg = shutil.which("cjpeg")
    if cjpeg:  # libjpeg-turbo-progs: what Pillow cannot write
        ppm = io.BytesIO()
        picture.save(ppm, "PPM")
        for name, args in {"arithmetic": ["-arithmetic"], "arithmetic-progressive": ["-arithmetic", "-progressive"],
                           "rgb": ["-rgb"], "sampling-411": ["-sample", "4x1,1x1,1x1"]}.items():
            out = subprocess.run([cjpeg, "-quality", "80", *args], input=ppm.getvalue(), stdout=subprocess.PIPE, check=True)
            open(os.path.join(directory, name + ".jpg"), "wb").write(out.stdout)


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
    elif kind == "v2-request":
        for name, framed, request, tail in v2_requests():
            text = json.dumps(request).encode()
            header = b"#%d\n" % len(text) if framed else b""
            open(os.path.join(directory, name + ".seed"), "wb").write(header + text + tail)
    elif kind == "jpeg":
        jpeg_seeds(directory)
    else:
        raise SystemExit(f"unknown seed kind {kind}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
