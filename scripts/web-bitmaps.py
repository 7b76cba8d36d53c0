#!/usr/bin/env python3
"""Draws the web page's icon (assets/icon.svg: a clock on a rounded green square) as the two
bitmaps served at Supervisor's old paths, `/images/icon.png` and `/images/supervisor.gif`.

No image library needed: the shapes are rasterized here and written as PNG (RGBA,
antialiased by 4x4 supersampling) and GIF89a (4 colours, transparent corners).

    python3 scripts/web-bitmaps.py   # rewrites crates/supervisord/src/http/web/assets/icon.{png,gif}
"""
import math
import os
import struct
import zlib

SIZE = 32
SS = 4
GREEN = (0x1F, 0x6F, 0x5C)
WHITE = (0xFF, 0xFF, 0xFF)


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def sample(x, y):
    """The colour at point (x, y) of the 32x32 icon, or None outside it."""
    r = 7.0
    cx = min(max(x, r), SIZE - r)
    cy = min(max(y, r), SIZE - r)
    if math.hypot(x - cx, y - cy) > r:
        return None
    half = 1.25
    ring = abs(math.hypot(x - 16, y - 16) - 9) <= half
    hands = min(seg_dist(x, y, 16, 9, 16, 16), seg_dist(x, y, 16, 16, 21, 19)) <= half
    return WHITE if ring or hands else GREEN


def rgba():
    rows = []
    for j in range(SIZE):
        row = []
        for i in range(SIZE):
            acc = [0, 0, 0, 0]
            for sj in range(SS):
                for si in range(SS):
                    c = sample(i + (si + 0.5) / SS, j + (sj + 0.5) / SS)
                    if c is not None:
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 1
            n = acc[3]
            if n == 0:
                row.append((0, 0, 0, 0))
            else:
                row.append((acc[0] // n, acc[1] // n, acc[2] // n, n * 255 // (SS * SS)))
        rows.append(row)
    return rows


def png(rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\0" + bytes(v for px in row for v in px) for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def gif(rows):
    # Palette: 0 transparent, 1 green, 2 white, 3 unused.
    def index(px):
        r, g, b, a = px
        if a < 128:
            return 0
        return 2 if r > 0x8F else 1

    pixels = [index(px) for row in rows for px in row]
    min_size = 2
    clear, end = 1 << min_size, (1 << min_size) + 1
    width = min_size + 1
    # Literal codes only, with a clear code every two so the code width never grows.
    codes = []
    for k, p in enumerate(pixels):
        if k % 2 == 0:
            codes.append(clear)
        codes.append(p)
    codes.append(end)
    bits, nbits, out = 0, 0, bytearray()
    for c in codes:
        bits |= c << nbits
        nbits += width
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        out.append(bits & 0xFF)
    blocks = b"".join(bytes([len(out[i:i + 255])]) + bytes(out[i:i + 255]) for i in range(0, len(out), 255))
    palette = bytes((0, 0, 0) + GREEN + WHITE + (0, 0, 0))
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", SIZE, SIZE, 0x80 | 0x01, 0, 0)  # global table, 4 entries
        + palette
        + b"\x21\xf9\x04\x01\x00\x00\x00\x00"  # graphic control: index 0 transparent
        + b"\x2c" + struct.pack("<HHHHB", 0, 0, SIZE, SIZE, 0)
        + bytes([min_size]) + blocks + b"\x00"
        + b"\x3b"
    )


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "crates", "supervisord", "src", "http", "web", "assets")
    rows = rgba()
    with open(os.path.join(out, "icon.png"), "wb") as f:
        f.write(png(rows))
    with open(os.path.join(out, "icon.gif"), "wb") as f:
        f.write(gif(rows))


if __name__ == "__main__":
    main()
