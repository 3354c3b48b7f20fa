"""Ticket and receipt layout as 1-bit Pillow images at the printer's dot width.

Most thermal printers have no Vietnamese code page, so everything is drawn with
a TrueType font that has every Vietnamese glyph (DejaVu Sans) and sent as a
raster.  Images are mode ``"1"`` (0 = black, 255 = white), exactly ``width``
dots wide (58 mm paper = 384 dots, 80 mm = 576 dots; any width works).

Public API::

    TicketPrint(center_name, service_name, number, people_ahead,
                estimated_wait_minutes, issued_at_text, qr_payload,
                footer="", priority_label="", kind_label="")
    render_ticket(t, width=576) -> Image
    ReceiptPrint(*, center_name, dossier_code, applicant_name, procedure_name,
                 documents, received_at_text, appointment_text, clerk_name,
                 qr_payload, form_title=..., form_number="Mẫu số 01", footer="",
                 applicant_id_number="")
    render_receipt(r, width=576) -> Image
    render_receipt_pdf(r) -> bytes           # A4 copy
    image_to_png_bytes(img) -> bytes
    make_qr_image(payload, target_px, ...) -> Image
    wrap_text(text, font, max_width) -> list[str]
    load_font(size, bold=False) -> FreeTypeFont
    find_font_path(bold=False) -> str
    VIETNAMESE_LETTERS                        # all 146 Vietnamese vowel forms + đ/Đ
"""
from __future__ import annotations

import io
import os
import sys
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "TicketPrint",
    "ReceiptPrint",
    "render_ticket",
    "render_receipt",
    "render_receipt_pdf",
    "image_to_png_bytes",
    "make_qr_image",
    "wrap_text",
    "load_font",
    "find_font_path",
    "FontNotFoundError",
    "VIETNAMESE_LETTERS",
]

# --------------------------------------------------------------------------- fonts

FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
# Override with a path to any TTF that has all Vietnamese glyphs (e.g. Noto Sans).
FONT_ENV = {False: "MOT_CUA_FONT", True: "MOT_CUA_FONT_BOLD"}


class FontNotFoundError(RuntimeError):
    """No font with Vietnamese glyphs was found."""


def _font_dirs() -> list[str]:
    dirs = [
        "/usr/share/fonts/truetype/dejavu",  # Debian / Ubuntu (fonts-dejavu-core)
        "/usr/share/fonts/dejavu",  # Fedora
        "/usr/share/fonts/TTF",  # Arch
        "/usr/share/fonts/dejavu-sans-fonts",
        "/usr/local/share/fonts",
        "/usr/local/share/fonts/dejavu",
        os.path.expanduser("~/.local/share/fonts"),
        os.path.expanduser("~/.fonts"),
        "/Library/Fonts",
        os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts"),
    ]
    # matplotlib bundles DejaVu; use it if it happens to be installed.
    for p in sys.path:
        dirs.append(os.path.join(p, "matplotlib", "mpl-data", "fonts", "ttf"))
    return dirs


_font_path_cache: dict[bool, str] = {}


def find_font_path(bold: bool = False) -> str:
    """Path of DejaVu Sans (or Bold); ``$MOT_CUA_FONT[_BOLD]`` overrides.

    Raises :class:`FontNotFoundError` naming what to install when none is found.
    """
    if bold in _font_path_cache:
        return _font_path_cache[bold]
    override = os.environ.get(FONT_ENV[bold])
    if override:
        if not os.path.isfile(override):
            raise FontNotFoundError(f"${FONT_ENV[bold]}={override!r} is not a file")
        _font_path_cache[bold] = override
        return override
    searched = _font_dirs()
    for d in searched:
        path = os.path.join(d, FONT_FILES[bold])
        if os.path.isfile(path):
            _font_path_cache[bold] = path
            return path
    if sys.platform.startswith("win"):
        # Arial ships with Windows and covers Vietnamese.
        win = os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arialbd.ttf" if bold else "arial.ttf")
        if os.path.isfile(win):
            _font_path_cache[bold] = win
            return win
    raise FontNotFoundError(
        f"Không tìm thấy phông chữ {FONT_FILES[bold]} / font not found. "
        "Install it (Debian/Ubuntu: apt-get install fonts-dejavu-core) or set "
        f"${FONT_ENV[bold]} to a TTF with Vietnamese glyphs. Searched: {', '.join(searched[:6])} …"
    )


# FreeType faces are not thread-safe: keep one font cache per thread.
_tls = threading.local()


def load_font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``size`` pixels, cached per thread."""
    cache = getattr(_tls, "fonts", None)
    if cache is None:
        cache = _tls.fonts = {}
    key = (size, bold)
    font = cache.get(key)
    if font is None:
        font = cache[key] = ImageFont.truetype(find_font_path(bold), size)
    return font


def _make_letters() -> str:
    tones = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]  # ngang huyền hỏi ngã sắc nặng
    lower = [unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in tones]
    lower.append("đ")
    return "".join(lower) + "".join(c.upper() for c in lower)


#: Every Vietnamese vowel with every tone plus đ, lowercase then uppercase (146 letters).
VIETNAMESE_LETTERS: str = _make_letters()

# --------------------------------------------------------------------------- text wrapping

Font = ImageFont.FreeTypeFont
Run = tuple[str, Font]  # a piece of text in one font


def wrap_text(text: str, font: Font, max_width: int, indent: int = 0) -> list[str]:
    """Greedy word-wrap so every line fits ``max_width`` pixels.

    Explicit newlines start a new paragraph; a single word wider than the line
    (a long code or URL) is broken between characters.  Continuation lines of a
    paragraph get ``indent`` pixels less room (the caller draws them indented).
    """
    return [_join(line) for line in wrap_runs([(text, font)], max_width, indent)]


def _join(tokens: list[tuple[str, Font, bool]]) -> str:
    return "".join((" " if sp and i else "") + w for i, (w, _f, sp) in enumerate(tokens))


def _tokens(runs: Sequence[Run]) -> list[list[tuple[str, Font, bool]]]:
    """Split runs into paragraphs of (word, font, space_before) tokens."""
    paragraphs: list[list[tuple[str, Font, bool]]] = [[]]
    space = False
    for text, font in runs:
        text = unicodedata.normalize("NFC", text)
        word = ""
        for ch in text:
            if ch == "\n" or ch.isspace():
                if word:
                    paragraphs[-1].append((word, font, space))
                    word = ""
                space = True
                if ch == "\n":
                    paragraphs.append([])
                    space = False
            else:
                word += ch
        if word:  # a run may end mid-word: the next run glues on (e.g. "~" + "15")
            paragraphs[-1].append((word, font, space))
            space = False
    return paragraphs


def wrap_runs(runs: Sequence[Run], max_width: int, indent: int = 0) -> list[list[tuple[str, Font, bool]]]:
    """Word-wrap mixed-font text; returns lines of ``(word, font, space_before)`` tokens."""
    out: list[list[tuple[str, Font, bool]]] = []
    for para in _tokens(runs):
        if not para:
            out.append([])
            continue
        lines: list[list[tuple[str, Font, bool]]] = []
        line: list[tuple[str, Font, bool]] = []
        width = 0.0
        for word, font, sp in para:
            limit = max_width - (indent if lines else 0)
            gap = font.getlength(" ") if (sp and line) else 0.0
            w = font.getlength(word)
            if line and width + gap + w <= limit:
                line.append((word, font, sp))
                width += gap + w
                continue
            if not line and w <= limit:
                line, width = [(word, font, sp)], w
                continue
            if line:
                lines.append(line)
                line, width = [], 0.0
                limit = max_width - indent
            # a word wider than a whole line is broken between characters
            while font.getlength(word) > limit:
                n = _fit_chars(word, font, limit)
                lines.append([(word[:n], font, False)])
                word = word[n:]
                limit = max_width - indent
            line, width = [(word, font, False)], font.getlength(word)
        lines.append(line)
        out.extend(lines)
    return out


def _fit_chars(word: str, font: Font, limit: float) -> int:
    """How many leading characters of ``word`` fit in ``limit`` pixels (at least 1)."""
    n = 1
    while n < len(word) and font.getlength(word[: n + 1]) <= limit:
        n += 1
    return n


def fit_font_size(text: str, max_width: int, max_size: int, bold: bool = True, min_size: int = 8) -> int:
    """Largest font size (≤ ``max_size``) at which ``text`` fits in ``max_width`` pixels."""
    lo, hi = min_size, max(min_size, max_size)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        font = load_font(mid, bold)
        left, _t, right, _b = font.getbbox(text)
        if max(font.getlength(text), right - min(0, left)) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return lo


# --------------------------------------------------------------------------- drawing blocks

WHITE, BLACK = 255, 0


def _line_image(
    tokens: list[tuple[str, Font, bool]],
    width: int,
    x0: int,
    avail: int,
    align: str = "center",
    tight: bool = False,
) -> Image.Image:
    """Draw one line of tokens on a full-width strip; baselines aligned.

    The strip is tall enough for stacked Vietnamese marks (Ấ, Ỗ …) that rise
    above the font's ascent; ``tight`` crops to the ink (the big number).
    """
    if not tokens:
        font = load_font(12)
        asc, desc = font.getmetrics()
        return Image.new("1", (width, asc + desc), WHITE)
    top, bottom, line_w = 0, 0, 0.0
    for i, (word, font, sp) in enumerate(tokens):
        asc, desc = font.getmetrics()
        _l, t, _r, b = font.getbbox(word, anchor="ls")
        top = max(top, -t if tight else max(asc, -t))
        bottom = max(bottom, b if tight else max(desc, b))
        line_w += (font.getlength(" ") if sp and i else 0) + font.getlength(word)
    if align == "center":
        x = x0 + (avail - line_w) / 2
    elif align == "right":
        x = x0 + avail - line_w
    else:
        x = x0
    img = Image.new("1", (width, max(1, top + bottom)), WHITE)
    draw = ImageDraw.Draw(img)
    for i, (word, font, sp) in enumerate(tokens):
        if sp and i:
            x += font.getlength(" ")
        draw.text((x, top), word, font=font, fill=BLACK, anchor="ls")
        x += font.getlength(word)
    return img


class _Column:
    """Stacks full-width strips top to bottom; remembers block boundaries for paging."""

    def __init__(self, width: int, margin: int) -> None:
        self.width, self.margin = width, margin
        self.inner = width - 2 * margin
        self.parts: list[Image.Image | int] = []
        self.breaks: list[int] = []  # y after each block: safe page-break points
        self._h = 0

    def space(self, px: int) -> None:
        self.parts.append(px)
        self._h += px
        self.breaks.append(self._h)

    def image(self, img: Image.Image, align: str = "center") -> None:
        strip = Image.new("1", (self.width, img.height), WHITE)
        if align == "center":
            x = (self.width - img.width) // 2
        elif align == "right":
            x = self.width - self.margin - img.width
        else:
            x = self.margin
        strip.paste(img.convert("1"), (max(0, x), 0))
        self.parts.append(strip)
        self._h += strip.height
        self.breaks.append(self._h)

    def runs(self, runs: Sequence[Run], align: str = "center", indent: int = 0, line_gap: int = 0, tight: bool = False) -> None:
        for i, line in enumerate(wrap_runs(runs, self.inner, indent)):
            x0 = self.margin + (indent if i else 0)
            avail = self.inner - (indent if i else 0)
            strip = _line_image(line, self.width, x0, avail, align, tight)
            if i and line_gap:
                self.space(line_gap)
            self.parts.append(strip)
            self._h += strip.height
            self.breaks.append(self._h)

    def text(self, text: str, font: Font, align: str = "center", indent: int = 0, line_gap: int = 0) -> None:
        self.runs([(text, font)], align, indent, line_gap)

    def rule(self, thickness: int, dash: int = 0, pad: int = 0) -> None:
        self.space(pad)
        strip = Image.new("1", (self.width, thickness), WHITE)
        draw = ImageDraw.Draw(strip)
        x = self.margin
        step = dash or self.inner
        while x < self.width - self.margin:
            draw.rectangle([x, 0, min(x + step, self.width - self.margin) - 1, thickness - 1], fill=BLACK)
            x += 2 * step if dash else step
        self.parts.append(strip)
        self._h += thickness
        self.breaks.append(self._h)
        self.space(pad)

    def render(self) -> Image.Image:
        out = Image.new("1", (self.width, max(1, self._h)), WHITE)
        y = 0
        for part in self.parts:
            if isinstance(part, int):
                y += part
            else:
                out.paste(part, (0, y))
                y += part.height
        return out


def _inverted_label(text: str, font: Font, pad: int) -> Image.Image:
    """White text in a black box — for ƯU TIÊN / priority labels."""
    tokens = [(w, font, i > 0) for i, w in enumerate(text.split())]
    w = int(sum(font.getlength(t) for t, _f, _s in tokens) + font.getlength(" ") * (len(tokens) - 1))
    line = _line_image(tokens, w, 0, w, "left")
    box = Image.new("1", (w + 2 * pad, line.height + 2 * pad), BLACK)
    # paste the inverted strip: black ink becomes white on the black box
    inv = line.point(lambda v: 255 - v)
    box.paste(inv, (pad, pad))
    return box


# --------------------------------------------------------------------------- QR


def make_qr_image(payload: str, target_px: int, max_px: int | None = None, border: int = 4) -> Image.Image:
    """QR code (error correction M) as a mode "1" image about ``target_px`` wide.

    Modules are whole dots (no resampling blur).  At least 3 dots per module
    (0.375 mm at 203 dpi) when room allows, so phone cameras and kiosk scanners
    read it; raises ``ValueError`` if the payload cannot fit ``max_px``.
    """
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=border)
    qr.add_data(payload)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # includes the quiet zone
    n = len(matrix)
    max_px = max_px or target_px
    box = max(1, target_px // n)
    if box < 3:
        box = min(3, max_px // n)
    if box < 2:
        raise ValueError(f"QR payload too long for {max_px} dots ({len(payload)} characters)")
    small = Image.new("1", (n, n), WHITE)
    px = small.load()
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                px[x, y] = BLACK
    return small.resize((n * box, n * box), Image.Resampling.NEAREST)


# --------------------------------------------------------------------------- ticket


@dataclass
class TicketPrint:
    """What goes on a queue ticket (all text already localised by the caller)."""

    center_name: str
    service_name: str
    number: str | int
    people_ahead: int | None
    estimated_wait_minutes: int | None
    issued_at_text: str
    qr_payload: str
    footer: str = ""
    priority_label: str = ""  # e.g. "ƯU TIÊN" — printed white on black
    kind_label: str = ""  # e.g. "NHẬN KẾT QUẢ"
    booked_label: str = ""  # e.g. "Lịch hẹn 09:30 / Booked 09:30" — a ticket checked in for a booking


class _Scale:
    """Sizes designed for 576 dots, scaled to the actual width."""

    def __init__(self, width: int, factor: float | None = None) -> None:
        self.f = factor if factor is not None else width / 576
        # Text shrinks less than the paper: 58 mm tickets keep ~19 px body text.
        self.ft = self.f if factor is not None else self.f**0.6

    def __call__(self, base: float, floor: int = 1) -> int:
        return max(floor, round(base * self.f))

    def font(self, base: float, bold: bool = False) -> Font:
        return load_font(max(12, round(base * self.ft)), bold)


def render_ticket(t: TicketPrint, width: int = 576) -> Image.Image:
    """Lay out a queue ticket as a mode "1" image exactly ``width`` dots wide."""
    if width < 128:
        raise ValueError(f"width {width} too small for a ticket (58 mm paper is 384 dots)")
    s = _Scale(width)
    col = _Column(width, margin=s(22, 8))
    col.space(s(14))
    col.text(t.center_name, s.font(26, bold=True), line_gap=s(2))
    col.space(s(8))
    col.text(t.service_name, s.font(32, bold=True), line_gap=s(2))
    if t.kind_label:
        col.space(s(6))
        col.text(t.kind_label, s.font(24))
    if t.priority_label:
        col.space(s(10))
        col.image(_inverted_label(t.priority_label, s.font(26, bold=True), pad=s(8)))
    if t.booked_label:
        col.space(s(8))
        col.text(t.booked_label, s.font(26, bold=True))
    col.rule(s(2), dash=s(8), pad=s(12))
    col.text("SỐ THỨ TỰ", s.font(22))
    col.space(s(12))
    number = str(t.number)
    size = fit_font_size(number, col.inner, max_size=int(width * 0.5), bold=True)
    col.runs([(number, load_font(size, True))], tight=True)
    col.space(s(10))
    col.rule(s(2), dash=s(8), pad=s(12))
    body, body_b = s.font(24), s.font(24, bold=True)
    if t.people_ahead is not None:
        col.runs([("Số người chờ trước Ông/Bà: ", body), (str(t.people_ahead), body_b)], line_gap=s(2))
        col.space(s(6))
    if t.estimated_wait_minutes is not None:
        col.runs([("Thời gian chờ dự kiến: ", body), (f"~{t.estimated_wait_minutes} phút", body_b)], line_gap=s(2))
        col.space(s(6))
    if t.issued_at_text:
        col.text(t.issued_at_text, s.font(22))
    col.space(s(10))
    col.image(make_qr_image(t.qr_payload, int(width * 0.6), max_px=col.inner))
    if t.footer:
        col.space(s(4))
        col.text(t.footer, s.font(20), line_gap=s(2))
    col.space(s(16))
    return col.render()


# --------------------------------------------------------------------------- receipt


@dataclass(kw_only=True)
class ReceiptPrint:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu số 01, TT 03/2025/TT-VPCP).

    Keyword-only: the form title/number have defaults but come first on paper.
    """

    center_name: str
    dossier_code: str
    applicant_name: str
    procedure_name: str
    documents: Sequence[str]
    received_at_text: str
    appointment_text: str
    clerk_name: str
    qr_payload: str
    form_title: str = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
    form_number: str = "Mẫu số 01"
    footer: str = ""
    # The applicant's 12-digit personal ID number, when the dossier carries one (the receipt is the citizen's own paper).
    applicant_id_number: str = ""


def _receipt_column(r: ReceiptPrint, width: int, s: _Scale, qr_target: int) -> _Column:
    col = _Column(width, margin=s(22, 8))
    reg, bold, small = s.font(22), s.font(22, bold=True), s.font(18)
    gap = s(3)
    col.space(s(12))
    if r.form_number:
        col.text(r.form_number, small, align="right")
    col.space(s(4))
    col.text(r.center_name, s.font(24, bold=True), line_gap=gap)
    col.space(s(10))
    col.text(r.form_title, s.font(26, bold=True), line_gap=gap)
    col.rule(s(2), dash=s(8), pad=s(10))
    hang = s(20)  # hanging indent for wrapped field values

    def field(label: str, value: str, value_font: Font = reg) -> None:
        col.runs([(label + " ", reg), (value, value_font)], align="left", indent=hang, line_gap=gap)
        col.space(s(6))

    field("Mã hồ sơ:", r.dossier_code, bold)
    field("Người nộp:", r.applicant_name, bold)
    if r.applicant_id_number:
        field("Số định danh cá nhân:", r.applicant_id_number)
    field("Thủ tục:", r.procedure_name)
    if r.documents:
        col.text("Thành phần hồ sơ:", reg, align="left")
        col.space(s(4))
        for i, doc in enumerate(r.documents, 1):
            mark = f"{i}. "
            col.runs([(mark, reg), (doc, reg)], align="left", indent=round(reg.getlength(mark)), line_gap=gap)
            col.space(s(4))
        col.space(s(2))
    field("Ngày tiếp nhận:", r.received_at_text)
    field("Hẹn trả kết quả:", r.appointment_text, bold)
    field("Cán bộ tiếp nhận:", r.clerk_name)
    col.space(s(6))
    col.image(make_qr_image(r.qr_payload, qr_target, max_px=col.inner))
    col.text(r.dossier_code, small)
    if r.footer:
        col.space(s(8))
        col.text(r.footer, s.font(20), line_gap=gap)
    col.space(s(16))
    return col


def render_receipt(r: ReceiptPrint, width: int = 576) -> Image.Image:
    """Lay out the dossier receipt as a mode "1" image exactly ``width`` dots wide."""
    if width < 128:
        raise ValueError(f"width {width} too small for a receipt (58 mm paper is 384 dots)")
    s = _Scale(width)
    return _receipt_column(r, width, s, qr_target=int(width * 0.45)).render()


def render_receipt_pdf(r: ReceiptPrint, dpi: int = 300) -> bytes:
    """An A4 PDF copy of the receipt (1-bit pages, breaks between lines)."""
    mm = dpi / 25.4
    page_w, page_h, margin = round(210 * mm), round(297 * mm), round(20 * mm)
    # body text ≈ 2.8 mm like on 80 mm paper; QR ≈ 35 mm
    s = _Scale(0, factor=(2.8 * mm) / 22)
    col = _receipt_column(r, page_w - 2 * margin, s, qr_target=round(35 * mm))
    content = col.render()
    usable = page_h - 2 * margin
    pages: list[Image.Image] = []
    y = 0
    while y < content.height:
        end = max((b for b in col.breaks if y < b <= y + usable), default=min(y + usable, content.height))
        page = Image.new("1", (page_w, page_h), WHITE)
        page.paste(content.crop((0, y, content.width, end)), (margin, margin))
        pages.append(page)
        y = end
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", resolution=dpi, save_all=True, append_images=pages[1:], title=r.dossier_code)
    return buf.getvalue()


def image_to_png_bytes(img: Image.Image) -> bytes:
    """PNG bytes of an image (for previews in the browser and in support tickets)."""
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False)
    return buf.getvalue()
