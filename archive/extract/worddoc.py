"""Word 97-2003 binary (.doc, and WPS files saved in the Word format), read in pure Python.

The text comes from the piece table (CLX) in the table stream; table rows are found from
the paragraph properties: a cell ends with U+0007 and a row ends with a U+0007 paragraph
whose properties carry sprmPFTtp. This keeps complex tables (merged cells, many rows)
that antiword drops. Layout per [MS-DOC]: FibBase, FibRgFcLcb97 (fcClx, fcPlcfBtePapx),
PlcPcd, PlcBtePapx, PapxFkp.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import olefile

from archive.extract.model import Block, Extracted, Limits
from archive.extract.textutil import clean_rows

EXTRACTOR = f"nianbao worddoc (olefile {olefile.__version__})"
WORD97_NFIB = 0xC1
FIB_NFIB, FIB_FLAGS, FIB_CCP_TEXT = 0x02, 0x0A, 0x4C
FIB_CLX, FIB_BTE_PAPX = 0x01A2, 0x0102
FLAG_WHICH_TABLE, FLAG_ENCRYPTED = 0x0200, 0x0100
SPRM_TTP = (0x2417, 0x244C)  # sprmPFTtp, sprmPFInnerTtp
SPRM_IN_TABLE, SPRM_INNER_TABLE_CELL = 0x2416, 0x244B  # sprmPFInTable, sprmPFInnerTableCell
SPRM_TABLE_DEFS = 0xD608  # sprmTDefTable: its size field is two bytes
SPRM_HUGE_PAPX = 0x6646  # the paragraph's properties are in the Data stream at this offset
OPERAND_SIZES = {0: 1, 1: 1, 2: 2, 3: 4, 4: 2, 5: 2, 7: 3}
FKP_SIZE = 512
CELL, PARAGRAPH = "\x07", "\r"
FIELD_BEGIN, FIELD_SEPARATOR, FIELD_END = "\x13", "\x14", "\x15"
DROP = dict.fromkeys(map(ord, "\x01\x02\x03\x04\x05\x08\x1f"), None) | {
    0x0B: "\n",
    0x0C: "\n",
    0x1E: "-",
    0xA0: " ",
}


class WordFormatError(ValueError):
    """A .doc this reader does not understand (left to antiword/catdoc)."""


@dataclass
class Marks:
    in_table: set[int]  # stream offsets just after paragraph marks inside a table
    row_ends: set[int]  # ... just after table-row-end marks


@dataclass
class Piece:
    cp: int  # first character position
    length: int
    fc: int  # byte offset of the first character in the WordDocument stream
    compressed: bool  # 1 byte per character (cp1252) instead of UTF-16LE


def extract_worddoc(body: bytes, kind: str, limits: Limits) -> Extracted:
    """Paragraphs and tables of a Word 97+ binary document; raises WordFormatError."""
    with olefile.OleFileIO(io.BytesIO(body)) as ole:
        if not ole.exists("WordDocument"):
            raise WordFormatError("no WordDocument stream")
        word = ole.openstream("WordDocument").read()
        if len(word) < FIB_CLX + 8:
            raise WordFormatError("FIB too short")
        nfib, flags = struct.unpack_from("<HH", word, FIB_NFIB)[0], read_u16(word, FIB_FLAGS)
        if nfib < WORD97_NFIB:
            raise WordFormatError(f"Word 6/95 file (nFib {nfib:#x})")
        if flags & FLAG_ENCRYPTED:
            raise WordFormatError("encrypted")
        name = "1Table" if flags & FLAG_WHICH_TABLE else "0Table"
        if not ole.exists(name):
            raise WordFormatError(f"no {name} stream")
        table = ole.openstream(name).read()
        data = ole.openstream("Data").read() if ole.exists("Data") else b""
    pieces = read_pieces(word, table)
    marks = read_marks(word, table, data)
    chars, ends = main_text(word, pieces, read_i32(word, FIB_CCP_TEXT))
    result = Extracted(kind=kind, extractor=EXTRACTOR)
    build_blocks(chars, ends, marks, result)
    return result


def read_u16(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<H", data, at)[0])


def read_i32(data: bytes, at: int) -> int:
    return int(struct.unpack_from("<i", data, at)[0])


def fc_lcb(word: bytes, at: int) -> tuple[int, int]:
    fc, lcb = struct.unpack_from("<II", word, at)
    return int(fc), int(lcb)


def read_pieces(word: bytes, table: bytes) -> list[Piece]:
    fc, lcb = fc_lcb(word, FIB_CLX)
    clx = table[fc : fc + lcb]
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: skip property modifiers
        at += 3 + read_u16(clx, at + 1)
    if at >= len(clx) or clx[at] != 0x02:
        raise WordFormatError("no piece table")
    size = read_i32(clx, at + 1)
    plc = clx[at + 5 : at + 5 + size]
    count = (size - 4) // 12
    if count <= 0 or len(plc) < size:
        raise WordFormatError("empty piece table")
    cps = struct.unpack_from(f"<{count + 1}i", plc, 0)
    pieces = []
    for k in range(count):
        value = struct.unpack_from("<I", plc, 4 * (count + 1) + 8 * k + 2)[0]
        compressed = bool(value & 0x40000000)
        offset = value & 0x3FFFFFFF
        pieces.append(
            Piece(cps[k], cps[k + 1] - cps[k], offset // 2 if compressed else offset, compressed)
        )
    return pieces


def main_text(word: bytes, pieces: list[Piece], ccp_text: int) -> tuple[str, list[int]]:
    """The main document's characters and, for each, the stream offset just after it."""
    chars: list[str] = []
    ends: list[int] = []
    for piece in pieces:
        if piece.cp >= ccp_text:
            break
        length = min(piece.length, ccp_text - piece.cp)
        width = 1 if piece.compressed else 2
        raw = word[piece.fc : piece.fc + length * width]
        text = (
            raw.decode("cp1252", "replace")
            if piece.compressed
            else raw.decode("utf-16le", "replace")
        )
        chars.append(text)
        ends += [piece.fc + (i + 1) * width for i in range(len(text))]
    return "".join(chars), ends


def read_marks(word: bytes, table: bytes, data: bytes) -> Marks:
    """Which paragraph ends are in a table, and which end a table row."""
    marks = Marks(set(), set())
    fc, lcb = fc_lcb(word, FIB_BTE_PAPX)
    count = (lcb - 4) // 8
    if count <= 0:
        return marks
    plc = table[fc : fc + lcb]
    pages = struct.unpack_from(f"<{count}I", plc, 4 * (count + 1))
    for page in pages:
        fkp = word[(page & 0x3FFFFF) * FKP_SIZE :][:FKP_SIZE]
        if len(fkp) == FKP_SIZE:
            marks_in_fkp(fkp, marks, data)
    return marks


def marks_in_fkp(fkp: bytes, marks: Marks, data: bytes) -> None:
    crun = fkp[-1]
    fcs = struct.unpack_from(f"<{crun + 1}I", fkp, 0)
    for i in range(crun):
        offset = fkp[4 * (crun + 1) + 13 * i] * 2
        if not offset:
            continue
        sprms = sprm_values(papx_grpprl(fkp, offset))
        if SPRM_HUGE_PAPX in sprms:  # the properties live in the Data stream
            sprms = sprm_values(huge_grpprl(data, sprms[SPRM_HUGE_PAPX]))
        if sprms.get(SPRM_IN_TABLE) == 1 or sprms.get(SPRM_INNER_TABLE_CELL) == 1:
            marks.in_table.add(fcs[i + 1])
        if any(sprms.get(s) == 1 for s in SPRM_TTP):
            marks.row_ends.add(fcs[i + 1])


def papx_grpprl(fkp: bytes, at: int) -> bytes:
    size = fkp[at]
    if size:
        data = fkp[at + 1 : at + 1 + 2 * size - 1]
    else:
        data = fkp[at + 2 : at + 2 + 2 * fkp[at + 1]]
    return data[2:]  # skip istd


def huge_grpprl(data: bytes, offset: int) -> bytes:
    if offset + 2 > len(data):
        return b""
    return data[offset + 2 : offset + 2 + read_u16(data, offset)]


def sprm_values(grpprl: bytes) -> dict[int, int]:
    """Operands of the one-byte sprms, and the Data-stream offset of sprmPHugePapx."""
    values: dict[int, int] = {}
    at = 0
    while at + 2 <= len(grpprl):
        sprm = read_u16(grpprl, at)
        at += 2
        spra = sprm >> 13
        if spra in (0, 1) and at < len(grpprl):
            values[sprm] = grpprl[at]
        elif sprm == SPRM_HUGE_PAPX and at + 4 <= len(grpprl):
            values[sprm] = int(struct.unpack_from("<I", grpprl, at)[0])
        if spra == 6:
            size = read_u16(grpprl, at) + 1 if sprm == SPRM_TABLE_DEFS else grpprl[at] + 1
        else:
            size = OPERAND_SIZES[spra]
        at += size
    return values


def build_blocks(chars: str, ends: list[int], marks: Marks, result: Extracted) -> None:
    """U+000D ends a paragraph (inside a cell when its properties say fInTable),
    U+0007 ends a cell, and a U+0007 with sprmPFTtp ends a table row."""
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    for text, mark, end in paragraphs(strip_fields(chars, ends)):
        if mark == CELL and end in marks.row_ends:
            rows.append(row)
            row = []
        elif mark == CELL:
            row.append(" ".join(p for p in [*cell, text.strip()] if p))
            cell = []
        elif end in marks.in_table:
            cell.append(text.strip())
        else:
            close_table(rows, result)
            add_paragraph(text, result)
    if row:
        rows.append(row)
    close_table(rows, result)


def paragraphs(text: list[tuple[str, int]]) -> list[tuple[str, str, int]]:
    """(text, terminating mark, stream offset after the mark) for every paragraph or cell."""
    out = []
    current: list[str] = []
    for ch, end in text:
        if ch in (CELL, PARAGRAPH):
            out.append(("".join(current), ch, end))
            current = []
        else:
            current.append(ch)
    if current:
        out.append(("".join(current), PARAGRAPH, -1))
    return out


def strip_fields(chars: str, ends: list[int]) -> list[tuple[str, int]]:
    """Characters with their end offsets, field codes removed (field results kept)."""
    out: list[tuple[str, int]] = []
    depth_code: list[bool] = []  # per open field: still in its code part?
    for ch, end in zip(chars, ends):
        if ch == FIELD_BEGIN:
            depth_code.append(True)
        elif ch == FIELD_SEPARATOR and depth_code:
            depth_code[-1] = False
        elif ch == FIELD_END and depth_code:
            depth_code.pop()
        elif not any(depth_code):
            mapped = ch.translate(DROP)
            if mapped:
                out.append((mapped if len(mapped) == 1 else " ", end))
    return out


def close_table(rows: list[list[str]], result: Extracted) -> None:
    table = clean_rows(list(rows))
    if table:
        result.tables.append(table)
        result.blocks.append(Block("table", table=len(result.tables) - 1))
    rows.clear()


def add_paragraph(text: str, result: Extracted) -> None:
    text = text.strip()
    if text:
        result.blocks.append(Block("p", text=text))
