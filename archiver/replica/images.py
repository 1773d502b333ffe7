"""Real image bytes made with the standard library: PNG (zlib) and baseline JPEG.

Archivers must store and checksum genuine image files, so the replica serves decodable images
rather than placeholders. Each image is a small colour gradient derived from a name, so every
image URL has distinct, stable bytes.
"""

from __future__ import annotations

import hashlib
import struct
import zlib


def _colour(name: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(name.encode()).digest()
    return digest[0], digest[1], digest[2]


def png_bytes(name: str, width: int = 48, height: int = 32) -> bytes:
    """An RGB PNG gradient whose colours come from ``name``."""
    red, green, blue = _colour(name)
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        for x in range(width):
            rows += bytes(((red + x * 4) % 256, (green + y * 6) % 256, blue))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


class _BitWriter:
    """Entropy-coded JPEG segment writer (bytes 0xFF are stuffed with 0x00)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self._bits = 0
        self._count = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self._bits = (self._bits << 1) | ((value >> shift) & 1)
            self._count += 1
            if self._count == 8:
                self._emit()

    def _emit(self) -> None:
        self.out.append(self._bits)
        if self._bits == 0xFF:
            self.out.append(0)
        self._bits = 0
        self._count = 0

    def flush(self) -> bytes:
        while self._count:
            self.write(1, 1)  # pad with one-bits
        return bytes(self.out)


def jpeg_bytes(name: str, blocks_wide: int = 8, blocks_high: int = 6) -> bytes:
    """A greyscale baseline JPEG of flat 8x8 blocks forming a gradient seeded by ``name``.

    Only DC coefficients are coded: a DC table of 12 four-bit codes (categories 0-11) and an
    AC table holding just end-of-block ("0"). Valid for any baseline decoder.
    """
    base = _colour(name)[0]
    segments = bytearray(b"\xff\xd8")
    segments += (
        b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    )
    # Quantisation table 0: all ones, so DC values are stored as is.
    segments += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes([1] * 64)
    width, height = blocks_wide * 8, blocks_high * 8
    segments += b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    dc_counts = bytes([0, 0, 0, 12] + [0] * 12)
    segments += (
        b"\xff\xc4" + struct.pack(">H", 3 + 16 + 12) + b"\x00" + dc_counts + bytes(range(12))
    )
    ac_counts = bytes([1] + [0] * 15)
    segments += b"\xff\xc4" + struct.pack(">H", 3 + 16 + 1) + b"\x10" + ac_counts + b"\x00"
    segments += b"\xff\xda" + struct.pack(">HB", 8, 1) + b"\x01\x00" + b"\x00\x3f\x00"
    writer = _BitWriter()
    previous = 0
    for by in range(blocks_high):
        for bx in range(blocks_wide):
            level = (base + bx * 20 + by * 25) % 256  # sample value 0..255
            dc = (level - 128) * 8  # DCT DC term of a flat block
            diff, previous = dc - previous, dc
            category = abs(diff).bit_length()
            writer.write(category, 4)  # canonical code of symbol k is k on 4 bits
            if category:
                bits = diff if diff > 0 else diff + (1 << category) - 1
                writer.write(bits, category)
            writer.write(0, 1)  # end of block
    segments += writer.flush() + b"\xff\xd9"
    return bytes(segments)


def image_bytes(kind: str, name: str) -> bytes:
    """Bytes of a ``jpeg`` or ``png`` image for ``name``."""
    return jpeg_bytes(name) if kind == "jpeg" else png_bytes(name)


def content_type(kind: str) -> str:
    return "image/jpeg" if kind == "jpeg" else "image/png"
