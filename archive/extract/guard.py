"""Checks that run before any parser touches the bytes: size and decompression bombs.

A zip's central directory declares every member's compressed and uncompressed size.
CPython's zipfile never inflates a member past its declared size, so bounding the
declared sizes (and their ratio) bounds what python-docx or openpyxl can inflate.
"""

from __future__ import annotations

import io
import zipfile

from archive.extract.model import MIB, Limits


def size_problem(body: bytes, limits: Limits) -> str | None:
    """Why the attachment is too small or too large to read, or None."""
    if not body:
        return "empty file"
    if len(body) > limits.max_bytes:
        return f"file of {len(body)} bytes is over the limit of {limits.max_bytes} bytes"
    return None


def zip_problem(body: bytes, limits: Limits) -> str | None:
    """Why a zip container (DOCX/XLSX) must not be opened, or None when it is safe."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return f"broken zip container: {error}"
    if len(members) > limits.max_zip_members:
        return f"zip holds {len(members)} members, over the limit of {limits.max_zip_members}"
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        return (
            f"zip members declare {total} bytes uncompressed, over the limit of "
            f"{limits.max_unzipped_bytes} bytes (decompression bomb?)"
        )
    return next((p for m in members if (p := member_problem(m, limits))), None)


def member_problem(member: zipfile.ZipInfo, limits: Limits) -> str | None:
    if member.flag_bits & 0x1:
        return f"zip member {member.filename} is encrypted"
    if member.file_size <= limits.ratio_floor_bytes:
        return None
    ratio = member.file_size / max(member.compress_size, 1)
    if ratio > limits.max_zip_ratio:
        return (
            f"zip member {member.filename} inflates {ratio:.0f}:1 "
            f"({member.file_size / MIB:.1f} MiB), over the limit of "
            f"{limits.max_zip_ratio:.0f}:1 (decompression bomb?)"
        )
    return None
