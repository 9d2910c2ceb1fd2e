"""Print fonts: Noto CJK cut down to the common Chinese repertoire, made once and cached.

WeasyPrint subsets every font it embeds, on every PDF. For a 20–26 MB Noto
CJK collection with 65,000 glyphs that costs ~40 ms per font and a large
font stream to compress. The same fonts cut down once to GB 2312 plus
Latin, punctuation and symbols (≈ 8,600 characters) subset and compress in a
fraction of that, and the PDFs are half the size. Characters outside the
cut-down set still print: the stylesheet names the full Noto font next, and
the text falls back to it glyph by glyph.

The cut is made with HarfBuzz's subsetter (libharfbuzz-subset0, which
WeasyPrint needs anyway) in well under a second, and cached under
$XDG_CACHE_HOME (or ~/.cache) keyed by the source file. Without HarfBuzz or
the Noto fonts, `font_face_css()` returns "" and the system fonts are used.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from functools import cache
from pathlib import Path

log = logging.getLogger(__name__)

NOTO_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk")
# CSS family → (source file, family name inside the collection, weight)
FACES = {
    "Noto Serif CJK SC GB": ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "normal"),
    "Noto Sans CJK SC GB": ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC", "bold"),
}
_CHARSET_VERSION = "gb2312-1"

_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create_from_file(const char *file_name);
void hb_blob_destroy(hb_blob_t *blob);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
void hb_face_destroy(hb_face_t *face);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
void hb_set_add_range(hb_set_t *set, uint32_t first, uint32_t last);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""


def charset() -> list[tuple[int, int]]:
    """Ranges of code points kept: GB 2312, Latin, punctuation, CJK symbols, full-width forms."""
    points: set[int] = set()
    for first in range(0xA1, 0xF8):
        for second in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                points.add(ord(bytes([first, second]).decode("gb2312")))
    for lo, hi in [
        (0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x2100, 0x22FF), (0x2460, 0x24FF),
        (0x2500, 0x25FF), (0x3000, 0x303F), (0x3200, 0x33FF), (0xFF00, 0xFFEF),
    ]:  # fmt: skip
        points.update(range(lo, hi + 1))
    ranges: list[tuple[int, int]] = []
    for point in sorted(points):
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return ranges


def _source(filename: str, family: str) -> tuple[Path, int] | None:
    for folder in NOTO_DIRS:
        path = Path(folder) / filename
        if path.exists():
            break
    else:
        return None
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    for index, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == family:
            return path, index
    return None


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "target-tables" / "fonts"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:
        folder = Path(tempfile.gettempdir()) / "target-tables-fonts"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


def _subset(path: Path, index: int, out: Path) -> None:
    from cffi import FFI

    ffi = FFI()
    ffi.cdef(_CDEF)
    hb = ffi.dlopen("libharfbuzz.so.0")
    hbs = ffi.dlopen("libharfbuzz-subset.so.0")
    blob = hb.hb_blob_create_from_file(str(path).encode())
    face = hb.hb_face_create(blob, index)
    request = hbs.hb_subset_input_create_or_fail()
    try:
        unicodes = hbs.hb_subset_input_unicode_set(request)
        for lo, hi in charset():
            hb.hb_set_add_range(unicodes, lo, hi)
        result = hbs.hb_subset_or_fail(face, request)
        if result == ffi.NULL:
            raise RuntimeError(f"HarfBuzz could not subset {path}")
        data_blob = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = ffi.buffer(hb.hb_blob_get_data(data_blob, length), length[0])[:]
        hb.hb_blob_destroy(data_blob)
        hb.hb_face_destroy(result)
    finally:
        hbs.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, out)  # two processes may build it at once; each rename is whole


@cache
def font_face_css() -> str:
    """@font-face rules for the cut-down print fonts ("" when they cannot be made)."""
    rules = []
    for css_family, (filename, family, weight) in FACES.items():
        try:
            found = _source(filename, family)
            if found is None:
                continue
            path, index = found
            stat = path.stat()
            key = hashlib.sha1(
                f"{path}:{index}:{stat.st_size}:{stat.st_mtime_ns}:{_CHARSET_VERSION}".encode()
            ).hexdigest()[:12]
            out = _cache_dir() / f"{path.stem}-{index}-{key}.otf"
            if not out.exists():
                _subset(path, index, out)
            rules.append(
                f"@font-face {{ font-family: '{css_family}'; font-weight: {weight}; src: url('{out.as_uri()}'); }}"
            )
        except Exception:  # a missing library or font only costs speed, never the PDF
            log.warning("print font %s not prepared; using the system font", css_family, exc_info=True)
    return "\n".join(rules)
