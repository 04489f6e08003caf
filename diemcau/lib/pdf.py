"""PDF of a .docx by LibreOffice headless: the PDF is the Word file, not a second rendering.

Each conversion runs ``soffice`` with its own throw-away profile directory
(``-env:UserInstallation``): two conversions sharing a profile collide on its
lock and the second fails without a word. A timeout bounds a stuck office.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

PDF_TYPE = "application/pdf"


class ConversionError(RuntimeError):
    pass


def soffice_path() -> str | None:
    """Where LibreOffice is, or None when it is not installed on this server."""
    configured = getattr(settings, "SOFFICE_PATH", "") or ""
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("soffice") or shutil.which("libreoffice")


def available() -> bool:
    return soffice_path() is not None


def docx_to_pdf(data: bytes, *, timeout: float | None = None) -> bytes:
    """Convert one .docx (bytes) to PDF (bytes); raises ``ConversionError`` with LibreOffice's words."""
    soffice = soffice_path()
    if soffice is None:
        raise ConversionError("LibreOffice (soffice) is not installed")
    timeout = timeout or getattr(settings, "PDF_TIMEOUT_SECONDS", 120)
    with tempfile.TemporaryDirectory(prefix="diemcau-pdf-") as tmp:
        work = Path(tmp)
        source = work / "document.docx"
        source.write_bytes(data)
        profile = (work / "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
                   "--convert-to", "pdf:writer_pdf_Export", "--outdir", str(work / "out"), str(source)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, cwd=tmp,
                                  env={"HOME": tmp, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
        except subprocess.TimeoutExpired:
            raise ConversionError(f"LibreOffice took longer than {timeout:.0f} s")
        target = work / "out" / "document.pdf"
        if done.returncode != 0 or not target.exists():
            message = (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()[-500:]
            raise ConversionError(message or f"LibreOffice exited with {done.returncode} and wrote no PDF")
        return target.read_bytes()
