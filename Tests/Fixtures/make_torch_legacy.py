#!/usr/bin/env python3
"""Write a legacy (pre-1.6) `torch.save` checkpoint of a safetensors state dict, without PyTorch.

Usage: make_torch_legacy.py IN.safetensors OUT.pth

The legacy layout: pickles of the magic number 0x1950a86a20f9469cfc6c, protocol version 1001 and a sys_info
dict, then the state dict (tensors as in make_torch_zip.py, storages as persistent ids), then the list of
storage keys, then each storage as an int64 element count and its raw little-endian bytes.
"""
import collections
import os
import pickle
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_torch_zip as z  # noqa: E402  (installs the stand-in torch modules)


def main(source, target):
    header, data = z.read_safetensors(source)
    state = collections.OrderedDict()
    blobs = []
    for index, name in enumerate(sorted(k for k in header if k != "__metadata__")):
        entry = header[name]
        begin, end = entry["data_offsets"]
        cls = z.LongStorage if entry["dtype"] == "I64" else z.FloatStorage
        size = 8 if cls is z.LongStorage else 4
        key = str(index)
        blobs.append((key, data[begin:end], size))
        numel = (end - begin) // size
        state[name] = z.Tensor(z.Storage(key, cls, numel), entry["shape"], z.contiguous_strides(entry["shape"]))
    with open(target, "wb") as out:
        pickle.dump(0x1950A86A20F9469CFC6C, out, protocol=2)
        pickle.dump(1001, out, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}, out, protocol=2)
        z.TorchPickler(out, protocol=2).dump(state)
        pickle.dump([key for key, _, _ in blobs], out, protocol=2)
        for _, blob, size in blobs:
            out.write(struct.pack("<q", len(blob) // size))
            out.write(blob)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
