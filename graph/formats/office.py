"""Older and other office formats (.doc, .wps, .xls, .et, .rtf, .odt, .ods) through a local
LibreOffice: the file is converted to .docx or .xlsx in a private temporary folder and read
like one. Many government sites still publish .doc and WPS files.

Nothing is fetched: LibreOffice runs on this machine (``soffice``, or the program named by
``FENGONG_SOFFICE``), headless, with a throw-away profile, and is killed after
:data:`TIMEOUT` seconds. Without it these files get a clear error saying so. The bytes must
look like the format their name gives (an OLE compound file for .doc/.wps/.xls/.et, RTF,
a zip for .odt/.ods): a plain text renamed .doc is refused rather than guessed at.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..reading import ReadError

#: Seconds a conversion may take (LibreOffice's start is 1–3 s of it).
TIMEOUT = 120
#: Suffix -> (what the bytes start with, the format LibreOffice converts it to).
FORMATS: dict[str, tuple[bytes, str]] = {
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "docx"),
    ".wps": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "docx"),  # WPS 文字 (Word 97 compatible)
    ".rtf": (b"{\\rtf", "docx"),
    ".odt": (b"PK", "docx"),
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xlsx"),
    ".et": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xlsx"),  # WPS 表格
    ".ods": (b"PK", "xlsx"),
}


def office_program() -> str | None:
    """The LibreOffice program to convert with, or None."""
    named = os.environ.get("FENGONG_SOFFICE")
    if named:
        return shutil.which(named)
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, timeout: float = TIMEOUT) -> tuple[bytes, str]:
    """``data`` (a ``suffix`` file) converted by LibreOffice: ``(bytes, "docx" | "xlsx")``."""
    magic, target = FORMATS[suffix]
    if not data.startswith(magic):
        raise ReadError(f"the file is not a {suffix} document (its bytes are of another kind)")
    program = office_program()
    if program is None:
        raise ReadError(f"{suffix} files are read through LibreOffice, which is not installed here: "
                        f"install it (Debian: libreoffice-writer-nogui, libreoffice-calc-nogui) or convert "
                        f"the file to .{target}")
    with tempfile.TemporaryDirectory(prefix="fengong-office-") as tmp:
        folder = Path(tmp)
        source = folder / f"document{suffix}"
        source.write_bytes(data)
        out = folder / "out"
        command = [program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                   "--norestore", "--nolockcheck", "--convert-to", target, "--outdir", str(out), str(source)]
        # A session of its own, so that a conversion that hangs is killed with its children.
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True,
                                   env={**os.environ, "HOME": tmp})
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise ReadError(f"LibreOffice took longer than {timeout:.0f} s to convert the {suffix} file") from None
        converted = out / f"document.{target}"
        if not converted.exists():
            raise ReadError(f"LibreOffice could not convert the {suffix} file (damaged, or not a {suffix} document)")
        return converted.read_bytes(), target
