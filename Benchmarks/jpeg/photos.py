"""The photos the JPEG benchmarks use, made with Pillow into a temporary folder (never into the repository).

`dev_photos()` lists the ImageNet dev photos in ../shared; `enlarged()` writes a photo scaled by a factor and
`megapixels()` one scaled to about N megapixels, both with Pillow's LANCZOS filter at JPEG quality 90 (Pillow's
default 4:2:0 chroma subsampling, baseline), after applying the photo's EXIF orientation so that what is
scaled is what a person sees. `load_average()` is the line every benchmark prints with its table.
"""
import json
import os

from PIL import Image, ImageOps

SHARED = os.environ.get("SHUFFLENET_SHARED_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
DEV = os.path.join(SHARED, "photos", "imagenet-dev")


def dev_photos(min_short_side=0):
    """(path, label index) of every dev photo whose shorter side is at least `min_short_side`, in name order."""
    labels = {entry["file"]: entry["label"] for entry in json.load(open(os.path.join(DEV, "labels.json")))}
    photos = []
    for name in sorted(labels):
        path = os.path.join(DEV, name)
        with Image.open(path) as image:
            if min(image.size) >= min_short_side:
                photos.append((path, labels[name]))
    return photos


def _save(image, size, path):
    image.resize(size, Image.LANCZOS).save(path, quality=90)
    return path


def enlarged(source, factor, folder):
    """`source` scaled by `factor` (both sides), as NAME@Fx.jpg in `folder`."""
    image = ImageOps.exif_transpose(Image.open(source).convert("RGB"))
    stem = os.path.splitext(os.path.basename(source))[0]
    return _save(image, (image.width * factor, image.height * factor), os.path.join(folder, f"{stem}@{factor}x.jpg"))


def megapixels(source, mp, folder):
    """`source` scaled to about `mp` megapixels, keeping its aspect ratio, as NAME-{mp}MP.jpg in `folder`."""
    image = ImageOps.exif_transpose(Image.open(source).convert("RGB"))
    scale = (mp * 1e6 / (image.width * image.height)) ** 0.5
    stem = os.path.splitext(os.path.basename(source))[0]
    size = (round(image.width * scale), round(image.height * scale))
    return _save(image, size, os.path.join(folder, f"{stem}-{mp}MP.jpg"))


def load_average():
    return "load average (1, 5, 15 min): " + ", ".join(f"{value:.2f}" for value in os.getloadavg())
