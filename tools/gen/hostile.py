"""Attachments that go wrong the way real ones do: scanned, cut off, zip bombs.

All deterministic: no clocks, no unseeded randomness.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from typing import Any

from tools.gen.files import ZIP_TIME

PAGE_PIXELS = (1240, 1754)  # A4 at 150 dpi
CJK_FONTS = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
]
BOMB_XML_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body><w:p><w:r><w:t>"
)
BOMB_XML_TAIL = b"</w:t></w:r></w:p></w:body></w:document>"


def page_image(lines: list[str], seed: str, font_path: Path | None = None) -> Any:
    """A white page with the text drawn on it, or grey bars standing in for text lines
    when no font is given (the bars keep the output identical on every machine)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", PAGE_PIXELS, 255)
    draw = ImageDraw.Draw(image)
    rng = random.Random(seed)
    font = ImageFont.truetype(str(font_path), 30) if font_path else None
    y = 120
    for number, line in enumerate(lines):
        x = 250 if number == 0 else 130
        if font is not None:
            for part in wrap(line, 36 if number else 20):
                draw.text((x, y), part, fill=0, font=font)
                y += 48
        else:
            width = 740 if number == 0 else rng.randint(500, 980)
            draw.rectangle((x, y, x + width, y + 22), fill=rng.choice([40, 60, 80]))
            y += 48
        y += 16
        if y > PAGE_PIXELS[1] - 160:
            break
    return image


def wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def installed_cjk_font() -> Path | None:
    return next((p for p in CJK_FONTS if p.exists()), None)


def scanned_pdf_bytes(pages: list[Any], title: str) -> bytes:
    """An image-only PDF: every page is one picture, there is no text layer."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setCreator("nianbao demo scanner")
    for image in pages:
        pdf.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    """The first part of a file, as an interrupted download leaves it."""
    return data[: int(len(data) * keep)]


def bomb_docx_bytes(docx: bytes, inflated_mib: int = 24) -> bytes:
    """A DOCX whose word/document.xml inflates about 1000:1 (mostly whitespace)."""
    source = zipfile.ZipFile(io.BytesIO(docx))
    padding = b" " * (inflated_mib * 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = BOMB_XML_HEAD + padding + BOMB_XML_TAIL
            member = zipfile.ZipInfo(info.filename, ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, data, compresslevel=9)
    return out.getvalue()


def lying_zip(docx: bytes, member: str = "word/document.xml", declared: int = 0xF0000000) -> bytes:
    """A DOCX whose central directory claims a member inflates to `declared` bytes."""
    data = bytearray(docx)
    name = member.encode()
    at = data.rfind(b"PK\x01\x02" + b"\x00" * 0, 0)
    while at != -1:
        name_len = int.from_bytes(data[at + 28 : at + 30], "little")
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            data[at + 24 : at + 28] = declared.to_bytes(4, "little")
            return bytes(data)
        at = data.rfind(b"PK\x01\x02", 0, at)
    raise ValueError(f"{member} not in the zip")
