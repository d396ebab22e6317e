"""Draws icon.png and extension.png, the images InsightConnect shows for the plugin.

Standard library only (zlib + struct), so it runs wherever python3 does: a rounded square in a navy-to-
teal gradient with three white "stream" waves and an orange observable on the middle one. The validator
wants icon.png as a PNG under 70,000 bytes and extension.png non-empty. Edges are anti-aliased by
supersampling. Usage: python3 scripts/icons.py  (writes both files in the repository root)
"""

import math
import pathlib
import struct
import zlib

NAVY = (11, 37, 69)
TEAL = (19, 128, 143)
WHITE = (255, 255, 255)
ORANGE = (247, 127, 0)
SUPERSAMPLE = 3


def mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def inside_rounded_square(x, y, radius):
    """Whether (x, y), in units of the image side, lies in the square with rounded corners."""
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


def on_wave(x, y, centre, amplitude, thickness):
    """Whether (x, y) lies on a sine wave across the icon, by distance along the normal."""
    phase = 2 * math.pi * (x - 0.14) / 0.48
    wave = centre + amplitude * math.sin(phase)
    slope = amplitude * 2 * math.pi / 0.48 * math.cos(phase)
    return abs(y - wave) / math.sqrt(1 + slope * slope) <= thickness / 2 and 0.16 <= x <= 0.84


def colour_at(x, y):
    """The RGBA colour of one sample point."""
    if not inside_rounded_square(x, y, 0.18):
        return (0, 0, 0, 0)
    if (x - 0.62) ** 2 + (y - 0.5) ** 2 <= 0.075**2:
        return ORANGE + (255,)
    for centre in (0.32, 0.5, 0.68):
        if on_wave(x, y, centre, 0.045, 0.045):
            return WHITE + (255,)
    return mix(NAVY, TEAL, (x + y) / 2) + (255,)


def draw(side):
    rows = []
    step = 1 / (side * SUPERSAMPLE)
    for py in range(side):
        row = bytearray([0])  # filter type None
        for px in range(side):
            total = [0, 0, 0, 0]
            for sy in range(SUPERSAMPLE):
                for sx in range(SUPERSAMPLE):
                    r, g, b, a = colour_at((px * SUPERSAMPLE + sx + 0.5) * step, (py * SUPERSAMPLE + sy + 0.5) * step)
                    total[0] += r * a
                    total[1] += g * a
                    total[2] += b * a
                    total[3] += a
            alpha = total[3] / SUPERSAMPLE**2
            if total[3]:
                row += bytes(round(channel / total[3]) for channel in total[:3])
            else:
                row += b"\0\0\0"
            row.append(round(alpha))
        rows.append(bytes(row))
    return png(side, side, b"".join(rows))


def png(width, height, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    (root / "icon.png").write_bytes(draw(256))
    (root / "extension.png").write_bytes(draw(512))


if __name__ == "__main__":
    main()
