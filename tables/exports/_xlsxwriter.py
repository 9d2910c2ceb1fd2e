"""What the xlsx writer takes from xlsxwriter beyond its documented API, in one place.

Pinned to xlsxwriter==3.3.1 (requirements.txt); tests/exports/test_library_adaptations.py
fails, naming the installed version and this module, when an upgrade removes what is
relied on here, and compares a sealed workbook byte for byte with xlsxwriter's own.

- `add_merges`: appends to a worksheet's `merge` list. The sheets stream row by row
  (constant-memory mode), and the documented `merge_range` writes its first cell at
  once, ahead of the rows still to come; the list itself is written when the
  workbook closes.
- `seal_sheets` / `SealedSheet`: a finished sheet assembled into its XML at once
  (`_opt_reopen`, `_write_single_row`, `_set_xml_writer`, `_assemble_xml_file`) and
  put in the workbook's place of it (`Workbook.worksheets_objs`, `Workbook.sheetnames`).
  xlsxwriter keeps every Worksheet (≈19 KB each) until `Workbook.close()`; sealing cut
  the bulk export's main-process memory from 16.3 to 3.4 KB per table (commit 637f9fd;
  docs/benchmarks.md "peak RSS growth, 100 → 500 tables": +3.7 KB/table today).
"""

from __future__ import annotations

import io
import os
import tempfile


def add_merges(ws, ranges: list[list[int]]) -> None:
    """Merged ranges ([first row, first col, last row, last col]) of a sheet whose cells were
    streamed in row order, borders and all; written when the workbook closes."""
    ws.merge.extend(ranges)


def seal_sheets(wb, start: int, tmpdir: str | None) -> None:
    """Assemble the XML of every sheet of `wb` from position `start` on and let go of the sheets."""
    sheets = wb.worksheets_objs
    for i in range(start, len(sheets)):
        if not isinstance(sheets[i], SealedSheet):
            sheets[i] = wb.sheetnames[sheets[i].name] = SealedSheet(sheets[i], tmpdir)


class SealedSheet:
    """A finished worksheet whose XML is on disk already: what packaging asks of it, nothing more.

    Its name, position, visibility and the ranges that become defined names (print
    area, print titles). When the workbook closes, the packager asks it for its XML
    and gets the file moved into place. The attributes below are the ones
    xlsxwriter 3.3's Workbook and Packager read from a sheet that has no charts,
    images, comments, tables or VBA.
    """

    _KEPT = ("name", "index", "hidden", "selected", "active", "print_area_range", "repeat_row_range",
             "repeat_col_range", "autofilter_area")  # fmt: skip
    __slots__ = (*_KEPT, "_path", "_target")

    is_chartsheet = False
    constant_memory = False  # nothing left to stream
    vba_codename = None
    has_vml = has_header_vml = has_comments = has_dynamic_arrays = has_embedded_images = False
    drawing = background_image = None
    charts = images = shapes = header_images = footer_images = tables = ()
    comments_list = buttons_list = header_images_list = ()
    external_hyper_links = external_drawing_links = external_vml_links = external_table_links = ()
    external_comment_links = external_background_links = drawing_links = vml_drawing_links = ()

    def __init__(self, ws, tmpdir):
        for name in self._KEPT:
            setattr(self, name, getattr(ws, name))
        ws._opt_reopen()
        ws._write_single_row()  # the last row is still pending in constant-memory mode
        fd, self._path = tempfile.mkstemp(suffix=".xml", dir=tmpdir)
        os.close(fd)
        ws._set_xml_writer(self._path)
        ws._assemble_xml_file()  # also removes the row data file
        self._target = None

    def _opt_close(self) -> None:
        pass

    def _opt_reopen(self) -> None:
        pass

    def _set_xml_writer(self, target) -> None:
        self._target = target

    def _assemble_xml_file(self) -> None:
        if isinstance(self._target, io.StringIO):  # the workbook is packaged in memory
            with open(self._path, encoding="utf-8") as fh:
                self._target.write(fh.read())
            os.unlink(self._path)
        else:
            os.replace(self._path, self._target)
