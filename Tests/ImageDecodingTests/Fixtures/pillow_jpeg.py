#!/usr/bin/env python3
"""JPEG fixtures and reference pixels for ImageDecodingTests, made at test time with Pillow (and libjpeg-turbo's
cjpeg where Pillow cannot write a variant). Nothing it writes is committed.

    pillow_jpeg.py variants DIR          JPEG variants of a synthetic picture, with Pillow's pixels for each
    pillow_jpeg.py reference DIR FILE... Pillow's pixels for existing files (the shared photos)

Pixels are raw 8-bit RGB, row-major. For every JPEG NAME.jpg the helper writes NAME.rgb, what
Image.open(f).convert("RGB") gives, and NAME.upright.rgb, what ImageOps.exif_transpose then gives;
manifest.json lists NAME -> {"width", "height", "upright_width", "upright_height", "note"}. `variants` also
writes picture.rgb, the synthetic picture itself (manifest entry "picture").
"""
import io
import json
import math
import os
import shutil
import struct
import subprocess
import sys

from PIL import Image, ImageOps

W, H = 203, 131  # odd sizes: partial MCUs on both edges


def picture(width=W, height=H):
    """A deterministic, photo-like picture: smooth colour gradients, hard edges, fine texture, no symmetry."""
    data = bytearray()
    for y in range(height):
        for x in range(width):
            r = 128 + 100 * math.sin(x / 17.0) * math.cos(y / 23.0)
            g = 255 * x / width if (x // 29 + y // 19) % 2 else 40 + 0.8 * y
            b = 128 + 90 * math.sin((x * x + 3 * y * y) / 900.0) + (25 if (x * 7 + y * 13) % 11 < 3 else 0)
            data += bytes(max(0, min(255, int(v))) for v in (r, g, b))
    image = Image.frombytes("RGB", (width, height), bytes(data))
    # A mark in one corner, so that every rotation and mirror of the picture is distinguishable.
    image.paste((255, 255, 0), (3, 3, 40, 14))
    return image


def exif_orientation(value, big_endian):
    """An APP1 Exif payload whose IFD0 holds only Orientation = value (SHORT), in either byte order."""
    e = ">" if big_endian else "<"
    tiff = (b"MM\x00\x2a" if big_endian else b"II\x2a\x00") + struct.pack(e + "I", 8)
    tiff += struct.pack(e + "H", 1) + struct.pack(e + "HHI", 0x0112, 3, 1) + struct.pack(e + "HH", value, 0)
    tiff += struct.pack(e + "I", 0)
    return b"Exif\x00\x00" + tiff


def with_segment(jpeg, marker, payload):
    """Inserts a marker segment right after SOI."""
    return jpeg[:2] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def set_adobe_transform(jpeg, transform):
    """Rewrites the transform byte of the Adobe APP14 marker libjpeg writes for CMYK (0) to `transform`."""
    payload = jpeg.index(b"Adobe")
    assert jpeg[payload - 4:payload - 2] == b"\xff\xee" and jpeg[payload + 11] == 0
    return jpeg[:payload + 11] + bytes([transform]) + jpeg[payload + 12:]


def ycck_from_cmyk(image):
    """The YCCK components Adobe stores for a CMYK picture: Y, Cb, Cr of the inverted C, M, Y, then K as is."""
    c, m, y, k = image.split()
    rgb = Image.merge("RGB", [ImageOps.invert(c), ImageOps.invert(m), ImageOps.invert(y)]).convert("YCbCr")
    return Image.merge("CMYK", [*rgb.split(), k])


def with_junk(jpeg):
    """Three stray bytes before the first DQT marker: libjpeg warns ("extraneous bytes") and goes on, as Pillow."""
    at = jpeg.index(b"\xff\xdb")
    return jpeg[:at] + b"\x01\x02\x03" + jpeg[at:]


def scan_script():
    """A valid progression of 100 scans (cjpeg's most): the DC of all three components, then AC coefficients 1…33
    of each component in a scan of its own. Written to a temporary file for cjpeg -scans; the path is returned."""
    lines = ["0 1 2: 0 0 0 0;"] + [f"{c}: {k} {k} 0 0;" for c in range(3) for k in range(1, 34)]
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"pillow_jpeg_scans_{os.getpid()}.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def segments(jpeg):
    """Splits a JPEG after SOI into (start, end, is_scan) pieces: marker segments, and for SOS the segment with
    its entropy-coded data."""
    pieces, p = [], 2
    while p < len(jpeg):
        assert jpeg[p] == 0xFF, p
        marker = jpeg[p + 1]
        if marker == 0xD9:
            break
        end = p + 2 + struct.unpack(">H", jpeg[p + 2:p + 4])[0]
        if marker == 0xDA:
            while not (jpeg[end] == 0xFF and jpeg[end + 1] not in (0x00, *range(0xD0, 0xD8))):
                end += 1
        pieces.append((p, end, marker == 0xDA))
        p = end
    return pieces


def many_scans(image):
    """200 scans: cjpeg's 100, then each scan again with the tables before it. A repeated first-pass scan of the
    same coefficients rewrites the same values; libjpeg and Pillow decode it as the 100-scan file."""
    script = scan_script()
    try:
        jpeg = cjpeg(image, "-quality", "90", "-scans", script)
    finally:
        os.remove(script)
    pieces = segments(jpeg)
    first_scan = next(i for i, piece in enumerate(pieces) if piece[2])
    start = pieces[first_scan][0]
    # Back to the tables written for the first scan (DHT right before it), so that each copy brings its own.
    while first_scan > 0 and jpeg[pieces[first_scan - 1][0] + 1] == 0xC4:
        first_scan -= 1
        start = pieces[first_scan][0]
    body = jpeg[start:pieces[-1][1]]
    return jpeg[:pieces[-1][1]] + body + b"\xff\xd9"


def cjpeg(image, *args):
    """libjpeg-turbo's cjpeg, for what Pillow cannot write (arithmetic coding, RGB, other samplings)."""
    tool = shutil.which("cjpeg")
    if tool is None:
        raise SystemExit("pillow_jpeg: cjpeg not found (install libjpeg-turbo-progs: scripts/setup-system.sh)")
    ppm = io.BytesIO()
    image.save(ppm, "PPM")
    return subprocess.run([tool, *args], input=ppm.getvalue(), stdout=subprocess.PIPE, check=True).stdout


def save(image, **options):
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def variants():
    """NAME -> (JPEG bytes, note)."""
    base = picture()
    grey = base.convert("L")
    cmyk = base.convert("CMYK")
    out = {
        "baseline-444": (save(base, quality=90, subsampling=0), "4:4:4"),
        "baseline-422": (save(base, quality=90, subsampling=1), "4:2:2"),
        "baseline-420": (save(base, quality=90, subsampling=2), "4:2:0"),
        "optimized-420": (save(base, quality=75, optimize=True), "optimised Huffman tables"),
        "progressive-420": (save(base, quality=85, progressive=True), "progressive, 4:2:0"),
        "progressive-444": (save(base, quality=85, progressive=True, subsampling=0), "progressive, 4:4:4"),
        "grayscale": (save(grey, quality=90), "one component"),
        "grayscale-progressive": (save(grey, quality=90, progressive=True), "one component, progressive"),
        "cmyk": (save(cmyk, quality=90), "Adobe CMYK (inverted)"),
        "cmyk-progressive": (save(cmyk, quality=90, progressive=True), "Adobe CMYK, progressive"),
        "ycck": (set_adobe_transform(save(ycck_from_cmyk(cmyk), quality=90), 2), "Adobe YCCK (transform 2)"),
        "restart-blocks": (save(base, quality=90, restart_marker_blocks=3), "DRI every 3 MCUs"),
        "restart-rows": (save(base, quality=90, progressive=True, restart_marker_rows=1), "DRI every MCU row, progressive"),
        "quality-10": (save(base, quality=10), "coarse quantisation"),
        "tiny-1x1": (save(base.resize((1, 1)), quality=90), "1 x 1"),
        "tiny-7x3": (save(base.crop((50, 50, 57, 53)), quality=90, subsampling=2), "7 x 3, 4:2:0"),
        "strip-300x2": (save(base.resize((300, 2)), quality=90, subsampling=2), "300 x 2"),
        "arithmetic": (cjpeg(base, "-quality", "90", "-arithmetic"), "arithmetic coding"),
        "arithmetic-progressive": (cjpeg(base, "-quality", "90", "-arithmetic", "-progressive"), "arithmetic, progressive"),
        "rgb": (cjpeg(base, "-quality", "90", "-rgb"), "RGB components (Adobe transform 0)"),
        "sampling-440": (cjpeg(base, "-quality", "90", "-sample", "1x2,1x1,1x1"), "4:4:0"),
        "sampling-411": (cjpeg(base, "-quality", "90", "-sample", "4x1,1x1,1x1"), "4:1:1"),
        "extraneous-bytes": (with_junk(save(base, quality=90)), "stray bytes before a marker (libjpeg warns)"),
        "large-1000x700": (save(base.resize((1000, 700), Image.Resampling.LANCZOS), quality=90), "for scaled decoding"),
        "many-scans": (many_scans(base), "200 scans: refused by default"),
    }
    # Orientations: the stored picture is the upright one turned the other way, so that applying the tag gives
    # the upright picture back; the two byte orders alternate.
    undo = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_270}
    for value in range(1, 9):
        stored = base.transpose(undo[value]) if value in undo else base
        jpeg = save(stored, quality=95, subsampling=0, exif=exif_orientation(value, big_endian=value % 2 == 1))
        out[f"orientation-{value}"] = (jpeg, "big-endian Exif" if value % 2 else "little-endian Exif")
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description tiff:Orientation="6"/></x:xmpmeta>'
    out["xmp-orientation-6"] = (save(base.transpose(Image.Transpose.ROTATE_90), quality=95, subsampling=0, xmp=xmp),
                                "orientation 6 in XMP only")
    return out


def write_reference(directory, name, jpeg_path, manifest, note=""):
    with Image.open(jpeg_path) as image:
        raw = image.convert("RGB")
        upright = ImageOps.exif_transpose(image).convert("RGB")
    with open(os.path.join(directory, name + ".rgb"), "wb") as f:
        f.write(raw.tobytes())
    with open(os.path.join(directory, name + ".upright.rgb"), "wb") as f:
        f.write(upright.tobytes())
    manifest[name] = {"width": raw.width, "height": raw.height, "upright_width": upright.width,
                      "upright_height": upright.height, "note": note}


def main(argv):
    command, directory = argv[1], argv[2]
    os.makedirs(directory, exist_ok=True)
    manifest = {}
    if command == "variants":
        for name, (jpeg, note) in variants().items():
            path = os.path.join(directory, name + ".jpg")
            with open(path, "wb") as f:
                f.write(jpeg)
            write_reference(directory, name, path, manifest, note)
        with open(os.path.join(directory, "picture.rgb"), "wb") as f:
            f.write(picture().tobytes())
        manifest["picture"] = {"width": W, "height": H, "note": "the upright picture every variant is made from"}
    elif command == "reference":
        for index, path in enumerate(argv[3:]):
            write_reference(directory, str(index), path, manifest, os.path.basename(path))
    else:
        raise SystemExit(f"pillow_jpeg: unknown command {command}")
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main(sys.argv)
