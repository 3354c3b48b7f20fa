"""Read ESC/POS bytes back: "what did the printer receive?"

Used by support (save what a printer got, look at it) and by tests (decode the
raster and read its QR).  The walker knows the length of the common ESC/POS
commands, so bytes inside a raster's pixel data are never mistaken for
commands (a row of pixels may well contain ``1D 56``, the cut command).

Public API::

    iter_commands(data) -> Iterator[Command]        # every command / text byte run
    decode_escpos_rasters(data, merge=True) -> list[Image]   # GS v 0 rasters, mode "1"
    contains_cut(data) -> bool                       # GS V / ESC i / ESC m present
    describe_escpos(data) -> str                     # one line per command, for humans

Decoded images are mode "1" with Pillow's convention (0 = black); the raster's
density byte is kept in ``image.info["escpos_density"]``; a raster cut short
by the end of the data is padded white and flagged ``image.info["truncated"]``.
python-escpos splits tall images into 960-row ``GS v 0`` fragments; with
``merge=True`` (default) fragments that follow each other directly with the
same width are stacked back into one image.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image

__all__ = ["Command", "iter_commands", "decode_escpos_rasters", "contains_cut", "describe_escpos"]

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
_INVERT = bytes(255 - i for i in range(256))  # ESC/POS bit 1 = black; Pillow "1" bit 1 = white

# ESC x: number of parameter bytes after the two-byte prefix
_ESC_PARAMS = {
    ord("@"): 0, ord("2"): 0, ord("i"): 0, ord("m"): 0, ord("<"): 0,
    ord("a"): 1, ord("E"): 1, ord("G"): 1, ord("M"): 1, ord("!"): 1, ord("-"): 1,
    ord("d"): 1, ord("J"): 1, ord("t"): 1, ord("{"): 1, ord("3"): 1, ord("V"): 1,
    ord("R"): 1, ord("r"): 1, ord(" "): 1, ord("U"): 1, ord("e"): 1, ord("="): 1,
    ord("%"): 1, ord("K"): 1, ord("L"): 0, ord("S"): 0, ord("T"): 1, ord("c"): 2,
    ord("$"): 2, ord("\\"): 2, ord("p"): 3, ord("B"): 2, ord("("): -1,
}
# GS x: number of parameter bytes after the prefix (special cases handled in code)
_GS_PARAMS = {
    ord("!"): 1, ord("B"): 1, ord("H"): 1, ord("f"): 1, ord("h"): 1, ord("w"): 1,
    ord("a"): 1, ord("r"): 1, ord("I"): 1, ord("b"): 1, ord("E"): 1, ord("/"): 1,
    ord("L"): 2, ord("W"): 2, ord("$"): 2, ord("\\"): 2, ord("P"): 2, ord("T"): 1,
    ord("^"): 3, ord(":"): 0,
}
_NAMES = {
    (ESC, ord("@")): "ESC @ init", (ESC, ord("a")): "ESC a align", (ESC, ord("E")): "ESC E bold",
    (ESC, ord("!")): "ESC ! mode", (ESC, ord("d")): "ESC d feed lines", (ESC, ord("J")): "ESC J feed dots",
    (ESC, ord("t")): "ESC t code page", (ESC, ord("2")): "ESC 2 line spacing", (ESC, ord("3")): "ESC 3 line spacing",
    (ESC, ord("i")): "ESC i cut", (ESC, ord("m")): "ESC m partial cut", (ESC, ord("p")): "ESC p drawer",
    (ESC, ord("*")): "ESC * column image", (GS, ord("V")): "GS V cut", (GS, ord("!")): "GS ! size",
    (GS, ord("v")): "GS v 0 raster", (GS, ord("(")): "GS ( extended", (GS, ord("k")): "GS k barcode",
    (GS, ord("L")): "GS L left margin", (GS, ord("W")): "GS W print width", (GS, ord("8")): "GS 8 L graphics",
}


@dataclass(frozen=True)
class Command:
    """One command (or a run of text/control bytes) found in ESC/POS data."""

    offset: int
    name: str  # e.g. "GS v 0 raster", "text", "LF"
    raw: bytes  # the command bytes (for a raster: header only)
    payload: bytes = b""  # raster / image / barcode data
    truncated: bool = False


def _u16(data: bytes, i: int) -> int:
    return data[i] + 256 * data[i + 1] if i + 1 < len(data) else 0


def iter_commands(data: bytes) -> Iterator[Command]:
    """Walk ESC/POS bytes; unknown commands advance two bytes so the walk resyncs."""
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b in (ESC, GS, FS, DLE) and i + 1 >= n:
            yield Command(i, "truncated command", data[i:], truncated=True)
            return
        if b == GS:
            c = data[i + 1]
            if c == ord("v") and i + 2 < n and data[i + 2] in (0x30, 0x00):
                head = data[i : i + 8]
                if len(head) < 8:
                    yield Command(i, "GS v 0 raster", head, truncated=True)
                    return
                size = _u16(data, i + 4) * _u16(data, i + 6)
                body = data[i + 8 : i + 8 + size]
                yield Command(i, "GS v 0 raster", head, body, truncated=len(body) < size)
                i += 8 + size
                continue
            if c == ord("V"):
                m = data[i + 2] if i + 2 < n else 0
                length = 4 if m in (65, 66, 97, 98, 103, 104) else 3
                yield Command(i, "GS V cut", data[i : i + length])
                i += length
                continue
            if c == ord("("):  # GS ( fn pL pH data
                length = 5 + _u16(data, i + 3)
                yield Command(i, "GS ( extended", data[i : i + 5], data[i + 5 : i + length], truncated=i + length > n)
                i += length
                continue
            if c == ord("8") and i + 2 < n and data[i + 2] == ord("L"):  # GS 8 L p1..p4 data
                size = int.from_bytes(data[i + 3 : i + 7], "little")
                length = 7 + size
                yield Command(i, "GS 8 L graphics", data[i : i + 7], data[i + 7 : i + length], truncated=i + length > n)
                i += length
                continue
            if c == ord("k"):  # barcode: m 0..6 NUL-terminated, m 65.. with length byte
                m = data[i + 2] if i + 2 < n else 0
                if m <= 6:
                    end = data.find(b"\x00", i + 3)
                    end = n if end < 0 else end + 1
                else:
                    end = i + 4 + (data[i + 3] if i + 3 < n else 0)
                yield Command(i, "GS k barcode", data[i : i + 3], data[i + 3 : end])
                i = end
                continue
            if c == ord("*"):  # define downloaded bit image: x y then x*y*8 bytes
                x = data[i + 2] if i + 2 < n else 0
                y = data[i + 3] if i + 3 < n else 0
                length = 4 + x * y * 8
                yield Command(i, "GS * download image", data[i : i + 4], data[i + 4 : i + length])
                i += length
                continue
            params = _GS_PARAMS.get(c, 0)
            yield Command(i, _NAMES.get((GS, c), f"GS {chr(c) if 32 < c < 127 else hex(c)}"), data[i : i + 2 + params])
            i += 2 + params
            continue
        if b == ESC:
            c = data[i + 1]
            if c == ord("*"):  # ESC * m nL nH data (column image)
                m = data[i + 2] if i + 2 < n else 0
                size = _u16(data, i + 3) * (3 if m in (32, 33) else 1)
                length = 5 + size
                yield Command(i, "ESC * column image", data[i : i + 5], data[i + 5 : i + length], truncated=i + length > n)
                i += length
                continue
            if c == ord("D"):  # tab stops, NUL-terminated
                end = data.find(b"\x00", i + 2)
                end = n if end < 0 else end + 1
                yield Command(i, "ESC D tabs", data[i:end])
                i = end
                continue
            params = _ESC_PARAMS.get(c, 0)
            if params < 0:  # ESC ( x pL pH data
                params = 3 + _u16(data, i + 3)
            name = _NAMES.get((ESC, c), f"ESC {chr(c) if 32 < c < 127 else hex(c)}")
            yield Command(i, name, data[i : i + 2 + params])
            i += 2 + params
            continue
        if b == FS:
            c = data[i + 1]
            params = {ord("p"): 2, ord("!"): 1, ord("C"): 1, ord("-"): 1, ord("W"): 1, ord("S"): 2}.get(c, 0)
            yield Command(i, f"FS {chr(c) if 32 < c < 127 else hex(c)}", data[i : i + 2 + params])
            i += 2 + params
            continue
        if b == DLE:
            c = data[i + 1]
            params = {0x04: 1, 0x05: 1, 0x14: 3}.get(c, 0)
            yield Command(i, f"DLE {hex(c)}", data[i : i + 2 + params])
            i += 2 + params
            continue
        if b == 0x0A:
            yield Command(i, "LF", data[i : i + 1])
            i += 1
            continue
        # a run of printable text / other control bytes
        j = i + 1
        while j < n and data[j] not in (ESC, GS, FS, DLE, 0x0A):
            j += 1
        yield Command(i, "text", data[i:j])
        i = j


def _raster_image(cmd: Command) -> Image.Image:
    head = cmd.raw
    width_bytes, height = _u16(head, 4), _u16(head, 6)
    size = width_bytes * height
    body = cmd.payload + b"\x00" * (size - len(cmd.payload))  # pad a cut-short raster with white
    img = Image.frombytes("1", (width_bytes * 8, height), body.translate(_INVERT)) if size else Image.new("1", (0, 0))
    img.info["escpos_density"] = head[3]
    img.info["truncated"] = cmd.truncated
    return img


def decode_escpos_rasters(data: bytes, merge: bool = True) -> list[Image.Image]:
    """Every ``GS v 0`` raster in ``data`` as a mode "1" Pillow image (0 = black).

    Other commands (ESC @, ESC a, ESC d, GS V, text …) are skipped.  With
    ``merge``, back-to-back fragments of the same width become one image.
    """
    groups: list[list[Command]] = []
    previous_end = -1
    for cmd in iter_commands(bytes(data)):
        if cmd.name != "GS v 0 raster" or len(cmd.raw) < 8:
            continue
        adjacent = merge and groups and cmd.offset == previous_end and _u16(cmd.raw, 4) == _u16(groups[-1][-1].raw, 4)
        if adjacent:
            groups[-1].append(cmd)
        else:
            groups.append([cmd])
        previous_end = cmd.offset + 8 + len(cmd.payload)
    images: list[Image.Image] = []
    for group in groups:
        parts = [_raster_image(c) for c in group]
        if len(parts) == 1:
            images.append(parts[0])
            continue
        out = Image.new("1", (parts[0].width, sum(p.height for p in parts)), 255)
        y = 0
        for p in parts:
            out.paste(p, (0, y))
            y += p.height
        out.info["escpos_density"] = parts[0].info["escpos_density"]
        out.info["truncated"] = any(p.info["truncated"] for p in parts)
        out.info["fragments"] = len(parts)
        images.append(out)
    return images


def contains_cut(data: bytes) -> bool:
    """True if the data holds a paper cut command (GS V …, ESC i, ESC m)."""
    return any(c.name in ("GS V cut", "ESC i cut", "ESC m partial cut") for c in iter_commands(bytes(data)))


def describe_escpos(data: bytes, limit: int = 200) -> str:
    """A human-readable listing of the commands in ``data`` (first ``limit`` lines)."""
    lines = []
    for k, cmd in enumerate(iter_commands(bytes(data))):
        if k >= limit:
            lines.append("…")
            break
        if cmd.name == "GS v 0 raster" and len(cmd.raw) >= 8:
            detail = f"{_u16(cmd.raw, 4) * 8}x{_u16(cmd.raw, 6)} dots, density {cmd.raw[3]}"
        elif cmd.name == "text":
            detail = repr(cmd.raw[:40])
        else:
            detail = cmd.raw.hex(" ")
        flag = " (truncated)" if cmd.truncated else ""
        lines.append(f"{cmd.offset:>8}  {cmd.name}: {detail}{flag}")
    return "\n".join(lines)
