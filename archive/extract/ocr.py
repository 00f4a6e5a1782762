"""OCR of scanned PDF pages with tesseract's Simplified Chinese model (Debian: tesseract-ocr-chi-sim).

Optional: used only when Limits.ocr is set and the tool and model are installed.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive.extract.model import Limits
from archive.extract.textutil import squeeze_cjk_spaces

LANGUAGE = "chi_sim"


@dataclass
class OcrResult:
    text: str = ""
    tool: str = ""
    problem: str | None = None


@functools.cache
def tesseract_version() -> str | None:
    """'tesseract 5.3.0' when tesseract and its chi_sim model are installed, else None."""
    if not shutil.which("tesseract"):
        return None
    try:
        langs = run_tool(["tesseract", "--list-langs"], 20).stdout
        version = run_tool(["tesseract", "--version"], 20).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    if LANGUAGE not in langs.split():
        return None
    return version[0].strip() if version else "tesseract"


def run_tool(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one thread: keeps memory small and steady
    return subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )


def ocr_pdf(pdf: Any, limits: Limits) -> OcrResult:
    """Text of the first pages of a pdfplumber PDF, read by tesseract."""
    version = tesseract_version()
    if version is None:
        return OcrResult(problem=f"tesseract with the {LANGUAGE} model is not installed")
    deadline = time.monotonic() + limits.timeout_seconds * 0.8
    texts: list[str] = []
    with tempfile.TemporaryDirectory(prefix="nianbao-ocr-") as tmp:
        for number, page in enumerate(pdf.pages[: limits.ocr_max_pages]):
            image = Path(tmp) / f"page{number}.png"
            page.to_image(resolution=limits.ocr_dpi).original.save(image)
            left = deadline - time.monotonic()
            if left <= 0:
                return OcrResult("\n".join(texts), version, "OCR ran out of time")
            done = run_tool(["tesseract", str(image), "stdout", "-l", LANGUAGE], left)
            if done.returncode != 0:
                return OcrResult(problem=f"tesseract failed: {done.stderr.strip()[:200]}")
            texts.append(squeeze_cjk_spaces(done.stdout).strip())
    return OcrResult("\n".join(t for t in texts if t), f"{version} ({LANGUAGE})")
