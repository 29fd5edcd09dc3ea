#!/usr/bin/env python3
"""The one split of the ImageNet dev photos that every int8 measurement uses.

`../shared/photos/imagenet-dev/labels.json` lists 200 photos in order. Photos at EVEN indices (0, 2, …, 198)
are the calibration set (100 photos), photos at ODD indices (1, 3, …, 199) the held-out set (100 photos):
quantizers see only the first, accuracy is reported only on the second, never the same photos.

    split.py calibration DIR     # make DIR (empty or absent) hold a symlink to each calibration photo
    split.py held-out            # print the held-out photos as JSON: path, label, reference_top1 per checkpoint

`reference_top1` is the float reference pass's top-1 per checkpoint key (`g3_0.5x`, `g8_0.5x`).
"""
import json
import os
import sys

SHARED = os.environ.get("SHUFFLENET_SHARED_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared"))
DEV = os.path.join(SHARED, "photos", "imagenet-dev")
CHECKPOINT_KEYS = ("g3_0.5x", "g8_0.5x")


def _entries():
    with open(os.path.join(DEV, "labels.json")) as f:
        entries = json.load(f)
    if len(entries) != 200:
        raise SystemExit(f"split: {DEV}/labels.json lists {len(entries)} photos, expected 200")
    return [dict(entry, path=os.path.abspath(os.path.join(DEV, entry["file"]))) for entry in entries]


def calibration():
    """The 100 calibration photos (even indices), each a labels.json entry with its absolute `path`."""
    return _entries()[0::2]


def held_out():
    """The 100 held-out photos (odd indices): entries with `path`, `label` and `reference_top1`."""
    return _entries()[1::2]


def make_calibration_dir(directory):
    """Fills `directory` with one symlink per calibration photo (what `shufflenet quantize --calibration` reads)."""
    os.makedirs(directory, exist_ok=True)
    wanted = {entry["file"]: entry["path"] for entry in calibration()}
    for name in os.listdir(directory):
        if name not in wanted:
            raise SystemExit(f"split: {directory} holds {name}, which is not a calibration photo; use an empty folder")
    for name, target in wanted.items():
        link = os.path.join(directory, name)
        if os.path.islink(link) and os.readlink(link) == target:
            continue
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(target, link)
    return directory


def main(argv):
    if len(argv) == 2 and argv[0] == "calibration":
        print(make_calibration_dir(argv[1]))
    elif len(argv) == 1 and argv[0] == "held-out":
        print(json.dumps([{"path": e["path"], "label": e["label"], "reference_top1": e["reference_top1"]} for e in held_out()], indent=1))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
