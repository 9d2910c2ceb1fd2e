"""What tables/exports/_weasyprint.py and _xlsxwriter.py take from the libraries' internals is still there.

Each failure names the installed version and the module that relies on the
internal: after an upgrade, adapt that module (its docstring says why each
internal is used and what it measured) or keep the pin in requirements.txt.
"""

from __future__ import annotations

import ast
import inspect
import io
import re
import textwrap
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

from tables.exports._xlsxwriter import SealedSheet, add_merges
from tests.exports.test_exports import BOOKLET, PROJECT, seed

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements.txt"
MODULES = {"weasyprint": "tables/exports/_weasyprint.py", "xlsxwriter": "tables/exports/_xlsxwriter.py"}


def broken(library: str, what: str) -> str:
    return (
        f"{library} {version(library)} is installed and {what}: {MODULES[library]} relies on it. "
        f"Adapt that module or go back to the version requirements.txt pins."
    )


def pinned(library: str) -> str:
    found = re.search(rf"(?im)^{library}==([\w.]+)", REQUIREMENTS.read_text(encoding="utf-8"))
    assert found, f"requirements.txt no longer pins {library}=="
    return found[1]


@pytest.mark.parametrize("library", sorted(MODULES))
def test_the_installed_library_is_the_version_the_adaptations_were_written_for(library):
    assert version(library) == pinned(library), broken(library, f"requirements.txt pins {pinned(library)}")


# ---------------------------------------------------------------------------
# WeasyPrint


def assigned_attributes(function) -> set[str]:
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {
        target.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
    }


def test_weasyprint_html_sets_the_attributes_our_expat_document_sets():
    import weasyprint

    from tables.exports import _weasyprint

    theirs = assigned_attributes(weasyprint.HTML.__init__)
    ours = assigned_attributes(_weasyprint._XHTML.__init__)
    assert theirs == ours, broken("weasyprint", f"HTML.__init__ now sets {sorted(theirs)}, not {sorted(ours)}")
    ua = inspect.signature(weasyprint.HTML._ua_stylesheets)
    assert list(ua.parameters) == ["self", "forms"], broken("weasyprint", f"HTML._ua_stylesheets is now {ua}")


def test_weasyprint_ua_stylesheet_still_has_the_pseudo_element_rules_we_drop():
    from weasyprint.html import UA

    from tables.exports import _weasyprint

    dropped = _weasyprint._UNUSED_UA.findall(UA)
    assert len(dropped) >= 6, broken("weasyprint", f"its UA stylesheet has {len(dropped)} ::marker/footnote/note rules")
    assert "::marker" not in _weasyprint._UNUSED_UA.sub("", UA), broken("weasyprint", "its ::marker rules changed")


@pytest.mark.pdf
def test_weasyprint_box_tree_gives_each_page_table_and_its_row_heights():
    from tables.exports import _weasyprint
    from tables.exports.pdf import _weasy

    html = (
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        '<table data-chunk="t0:0"><tr data-r="0" style="height:30px"><td>a</td></tr>'
        '<tr data-r="1" style="height:40px"><td>b</td></tr></table></body></html>'
    )
    engine = _weasy()  # the process's engine, as PDFs use it
    document = engine.parse(html, str(Path(__file__).parent))
    assert isinstance(document, _weasyprint._XHTML), broken("weasyprint", "expat-parsed XHTML is refused")
    try:
        tables = list(_weasyprint.laid_out_tables(engine.render(document), "data-chunk", "data-r"))
    except AttributeError as exc:
        pytest.fail(broken("weasyprint", f"its box tree changed ({exc})"))
    assert [(page, chunk, [r for r, _ in rows]) for page, chunk, rows in tables] == [(0, "t0:0", ["0", "1"])], broken(
        "weasyprint", "the laid-out tables are no longer found in the box tree"
    )
    heights = [round(height) for _, height in tables[0][2]]
    assert heights == [30, 40], broken("weasyprint", f"row heights read from the box tree are {heights}")


# ---------------------------------------------------------------------------
# xlsxwriter


def test_xlsxwriter_still_has_the_internals_a_sealed_sheet_uses_and_stands_in_for(tmp_path):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(tmp_path / "probe.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet("probe")
    assert isinstance(wb.worksheets_objs, list) and wb.sheetnames.get("probe") is ws, broken(
        "xlsxwriter", "Workbook.worksheets_objs or Workbook.sheetnames changed"
    )
    assert isinstance(ws.merge, list), broken("xlsxwriter", "Worksheet.merge is no longer a list")
    for name in ("_opt_reopen", "_opt_close", "_write_single_row", "_set_xml_writer", "_assemble_xml_file"):
        assert callable(getattr(ws, name, None)), broken("xlsxwriter", f"Worksheet.{name} is gone")
    # What a sealed sheet answers in a Worksheet's place (its own slots and `_KEPT` aside; xlsxwriter 3.3's
    # Worksheet has no `has_embedded_images`, the sealed sheet answers False anyway).
    own = {"_KEPT", *SealedSheet.__slots__, "has_embedded_images"}
    stood_in = [name for name in vars(SealedSheet) if not name.startswith("__") and name not in own]
    missing = [name for name in (*SealedSheet._KEPT, *stood_in) if not hasattr(ws, name)]
    assert missing == [], broken("xlsxwriter", f"a Worksheet no longer has {missing}")
    wb.close()


def test_merges_added_to_a_streamed_sheet_are_written():
    import xlsxwriter

    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True})
    ws = wb.add_worksheet()
    ws.write_string(0, 0, "merged")
    add_merges(ws, [[0, 0, 1, 2]])
    wb.close()
    with zipfile.ZipFile(out) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<mergeCell ref="A1:C2"/>' in xml, broken("xlsxwriter", "Worksheet.merge is no longer written")


@pytest.mark.parametrize("in_memory", [False, True], ids=["on disk", "in memory"])
def test_sealed_sheets_package_exactly_as_xlsxwriter_would(tmp_path, in_memory):
    """`TableWorkbook.seal` writes each finished sheet early; the package must not change by a byte."""
    from tables.exports.printed import build_table
    from tables.exports.xlsx import TableWorkbook, _add_booklet, table_footer

    booklet = seed(BOOKLET)
    meta = {"status": "approved", "reviewer": "审核人", "approved_at": "2023年3月1日"}

    def write(seal: bool) -> dict[str, bytes]:
        target = io.BytesIO() if in_memory else tmp_path / f"sealed-{seal}.xlsx"
        book = TableWorkbook(target if in_memory else str(target), content="bulk", tmpdir=tmp_path)
        for i, project in enumerate(booklet["projects"][:4]):
            first_new = len(book.wb.worksheets())
            footer = table_footer(project, meta)
            book.add_table(build_table(project, PROJECT), f"表{i}", snapshot=project, footer=footer)
            if seal:
                book.seal(first_new)
        first_new = len(book.wb.worksheets())
        _add_booklet(book, booklet, PROJECT, meta, prefix="册-")
        if seal:
            book.seal(first_new)
        book.close()
        with zipfile.ZipFile(target) as zf:
            return {name: zf.read(name) for name in zf.namelist() if name != "docProps/core.xml"}  # a timestamp

    try:
        plain, sealed = write(False), write(True)
    except AttributeError as exc:
        pytest.fail(broken("xlsxwriter", f"it asks a sealed sheet for something new ({exc})"))
    assert list(sealed) == list(plain), broken("xlsxwriter", "a sealed workbook has other parts than its own")
    differ = [name for name in plain if sealed[name] != plain[name]]
    assert differ == [], broken("xlsxwriter", f"a sealed workbook differs from its own in {differ}")
    assert sum(name.startswith("xl/worksheets/sheet") for name in plain) == 1 + 4 + 1 + len(booklet["projects"])
    leftovers = [p.name for p in tmp_path.iterdir() if not p.name.endswith(".xlsx")]
    assert leftovers == []  # no sheet XML or row data left in the temporary folder
