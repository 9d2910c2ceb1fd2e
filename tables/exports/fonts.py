"""Print fonts: Noto CJK cut down to the common Chinese repertoire, made once and cached.

WeasyPrint subsets every font it embeds, on every PDF. For a 20–26 MB Noto
CJK collection with 65,000 glyphs that costs ~40 ms per font and a large
font stream to compress. The same fonts cut down once to GB 2312 plus
Latin, punctuation and symbols subset and compress in a fraction of that,
and the PDFs are half the size. Characters outside the cut-down set still
print: the stylesheet names the full Noto font next, and the text falls back
to it glyph by glyph.

Each face is cut in two. WeasyPrint's per-PDF subset keeps a slot for every
glyph up to the highest one used, so its time and the font's bytes grow with
the glyph count of the font, not with what the table uses. The 3,755 common
hanzi of GB 2312 (level 1) with Latin, punctuation and symbols make the cut
every table uses (~6,300 glyphs); its 3,008 rarer hanzi (level 2: 濮阳, 漯河,
亳州…) make a second cut, embedded only by a PDF that prints one of them. The
two need their own family names ("… GB", "… GB2"): WeasyPrint tells fonts
apart by their description (family, weight), and two files under one family
would share one embedded subset.

The cuts are made with HarfBuzz's subsetter (libharfbuzz-subset0, which
WeasyPrint needs anyway) in well under a second, and cached under
$XDG_CACHE_HOME (or ~/.cache) keyed by the source file.

Without the Noto fonts every hanzi prints as an empty box, and without
HarfBuzz's subsetter WeasyPrint falls back to fontTools (measured: ~10 s a
table instead of 0.2 s, PDFs three times the size). Neither fails by
itself, so `missing_packages()` names what is missing: the system check
(tables/system_checks.py) warns about it and the renderer refuses to print.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import logging
import os
import tempfile
from functools import cache
from pathlib import Path

from cffi import FFI

log = logging.getLogger(__name__)

NOTO_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk", "/usr/share/fonts/google-noto-cjk")
# Family inside the collection → (source file, weight). CSS names a cut f"{family} {cut}".
SOURCES = {
    "Noto Serif CJK SC": ("NotoSerifCJK-Regular.ttc", "normal"),
    "Noto Sans CJK SC": ("NotoSansCJK-Bold.ttc", "bold"),
}
CUTS = ("GB", "GB2")  # GB 2312 level 1 with symbols; level 2
_CHARSET_VERSION = "gb2312-6"  # bump to rebuild the cached cuts
# hb_subset_flags_t: the cut is made without hints and subroutines. WeasyPrint's own
# per-PDF subset drops both anyway, but desubroutinizing 300 glyphs out of a flat
# font is about twice as fast.
_HB_SUBSET_FLAGS_NO_HINTING = 0x1
_HB_SUBSET_FLAGS_DESUBROUTINIZE = 0x4
_HB_SUBSET_SETS_DROP_TABLE_TAG = 3
_HB_SUBSET_SETS_LAYOUT_FEATURE_TAG = 6
# Vertical metrics: print text runs horizontally, and each PDF's subset would carry a
# 4-byte vmtx entry per glyph slot (~22 KB a font) for nothing.
_DROP_TABLES = ("vhea", "vmtx", "VORG")
# Only the OpenType features HarfBuzz applies to horizontal text by default (the print
# CSS asks for no others). Noto's `locl`, `vert`, `trad`, `jp78`… alternates would
# otherwise add ~5,500 glyphs (14,500 instead of 8,700); every PDF's subset carries a
# slot per glyph up to the highest one used, so each costs time and bytes on each PDF.
_FEATURES = ("abvm", "blwm", "ccmp", "mark", "mkmk", "rlig", "calt", "clig", "curs", "dist", "kern", "liga", "rclt")

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
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned int value);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_set_clear(hb_set_t *set);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
uint32_t hb_tag_from_string(const char *str, int len);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""


def _gb2312(rows: range) -> set[int]:
    points: set[int] = set()
    for first in rows:
        for second in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                points.add(ord(bytes([first, second]).decode("gb2312")))
    return points


def charset(cut: str = "GB") -> list[tuple[int, int]]:
    """Ranges of code points in a cut: "GB" is GB 2312 up to its level 1 hanzi (rows 1–55) with
    Latin, punctuation, CJK symbols and full-width forms; "GB2" is its level 2 hanzi (rows 56–87)."""
    if cut == "GB2":
        points = _gb2312(range(0xD8, 0xF8))
    else:
        points = _gb2312(range(0xA1, 0xD8))
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


# What each Debian package is needed for, as the check and the refusal say it.
FONTS_PACKAGE = "fonts-noto-cjk"
HB_SUBSET_PACKAGE = "libharfbuzz-subset0"
HB_SUBSET_LIBRARY = "libharfbuzz-subset.so.0"
WITHOUT = {
    FONTS_PACKAGE: "缺少中文字体 Noto CJK（Debian 软件包 fonts-noto-cjk），PDF 中的汉字会显示为空白方框",
    HB_SUBSET_PACKAGE: (
        "缺少 HarfBuzz 字体子集库（Debian 软件包 libharfbuzz-subset0），每份 PDF 要多花约 10 秒裁剪字体，网页下载会超时"
    ),
}


def _font_file(filename: str) -> Path | None:
    """The one lookup of a print font file: the first of NOTO_DIRS that holds it."""
    for folder in NOTO_DIRS:
        path = Path(folder) / filename
        if path.is_file():
            return path
    return None


def _library_loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
    except OSError:
        return False
    return True


def missing_packages() -> list[str]:
    """The Debian packages PDFs need that this machine lacks ([] when PDFs can be printed).

    Looked up on every call (a few stat calls and a dlopen of a loaded library), so
    installing a package takes effect without restarting the server.
    """
    missing = []
    if any(_font_file(filename) is None for filename, _weight in SOURCES.values()):
        missing.append(FONTS_PACKAGE)
    if not _library_loads(HB_SUBSET_LIBRARY):
        missing.append(HB_SUBSET_PACKAGE)
    return missing


def missing_message(missing: list[str]) -> str:
    """One Chinese sentence per missing package and the command that installs them all."""
    reasons = "；".join(WITHOUT[package] for package in missing)
    return f"{reasons}。请管理员安装：sudo apt-get install {' '.join(missing)}"


def _source(filename: str, family: str) -> tuple[Path, int] | None:
    path = _font_file(filename)
    if path is None:
        return None
    # fontTools (~55 ms to import) is needed only to cut the fonts, once per machine: not at start-up.
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


def _subset(path: Path, index: int, out: Path, ranges: list[tuple[int, int]]) -> None:
    ffi = FFI()
    ffi.cdef(_CDEF)
    hb = ffi.dlopen("libharfbuzz.so.0")
    hbs = ffi.dlopen("libharfbuzz-subset.so.0")
    blob = hb.hb_blob_create_from_file(str(path).encode())
    face = hb.hb_face_create(blob, index)
    request = hbs.hb_subset_input_create_or_fail()
    try:
        hbs.hb_subset_input_set_flags(request, _HB_SUBSET_FLAGS_NO_HINTING | _HB_SUBSET_FLAGS_DESUBROUTINIZE)
        dropped = hbs.hb_subset_input_set(request, _HB_SUBSET_SETS_DROP_TABLE_TAG)
        for tag in _DROP_TABLES:
            hb.hb_set_add(dropped, hb.hb_tag_from_string(tag.encode(), -1))
        features = hbs.hb_subset_input_set(request, _HB_SUBSET_SETS_LAYOUT_FEATURE_TAG)
        hb.hb_set_clear(features)
        for tag in _FEATURES:
            hb.hb_set_add(features, hb.hb_tag_from_string(tag.encode(), -1))
        unicodes = hbs.hb_subset_input_unicode_set(request)
        for lo, hi in ranges:
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
    for family, (filename, weight) in SOURCES.items():
        try:
            found = _source(filename, family)
            if found is None:
                continue
            path, index = found
            stat = path.stat()
            folder = _cache_dir()
            made = False
            outs = []
            for cut in CUTS:
                key = hashlib.sha1(
                    f"{path}:{index}:{stat.st_size}:{stat.st_mtime_ns}:{cut}:{_CHARSET_VERSION}".encode()
                ).hexdigest()[:12]
                out = folder / f"{path.stem}-{index}-{cut}-{key}.otf"
                if not out.exists():
                    _subset(path, index, out, charset(cut))
                    made = True
                outs.append(out)
                css = f"font-family: '{family} {cut}'; font-weight: {weight}; src: url('{out.as_uri()}');"
                rules.append(f"@font-face {{ {css} }}")
            if made:  # cuts of an older version or of a replaced font file
                for old in folder.glob(f"{path.stem}-{index}-*.otf"):
                    if old not in outs:
                        old.unlink(missing_ok=True)
        except Exception:  # a missing library or font only costs speed, never the PDF
            log.warning("print font %s not prepared; using the system font", family, exc_info=True)
    return "\n".join(rules)
