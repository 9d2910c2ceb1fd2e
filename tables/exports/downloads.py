"""Download responses with safe Chinese file names."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# What a file name may not hold: path separators and the characters Windows refuses,
# every C0 and C1 control and DEL (a control in a header is an invalid response, and
# titles frozen in snapshots keep whatever they were typed with), and the bidi
# overrides that make "txt.exe" read as "exe.txt".
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]+')
MAX_NAME = 150


def safe_filename(name: str, *, default: str = "download") -> str:
    """A file name (a download, a zip member, a file on disk) without anything a browser,
    a header or a file system could take for something else; the extension is kept when cut short."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        keep = f".{ext}" if dot and stem and 0 < len(ext) <= 8 else ""
        cleaned = cleaned[: MAX_NAME - len(keep)].rstrip(" .") + keep
    return cleaned or default


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    name = safe_filename(filename)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ascii_stem = stem.encode("ascii", "ignore").decode().strip(" .") or "download"
    ascii_name = ascii_stem + (f".{ext.encode('ascii', 'ignore').decode()}" if dot else "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """What a PDF download answers when the machine cannot print one (`PdfUnavailable`): the reason, as a page."""
    return render(request, "tables/pdf_unavailable.html", {"message": str(exc)}, status=503)
