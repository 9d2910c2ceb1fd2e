"""Download responses with safe Chinese file names."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.http import HttpResponse

_UNSAFE = re.compile(r'[\\/:*?"<>|\r\n\t]+')


def safe_filename(name: str) -> str:
    """A file name without path separators or characters Windows refuses."""
    cleaned = _UNSAFE.sub("_", name).strip(" .")
    return cleaned[:150] or "download"


def attachment(body: bytes, filename: str, content_type: str) -> HttpResponse:
    name = safe_filename(filename)
    ascii_name = name.encode("ascii", "ignore").decode() or "download"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name.replace('"', '')}\"; filename*=UTF-8''{quote(name)}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
