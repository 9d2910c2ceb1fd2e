"""One entry point for importing a file of any supported kind (JSON, text, xlsx, Word, PDF).

What reads what:

- `.json`: our exchange format (`tables.imports.exchange`);
- `.xlsx`/`.xlsm` that we exported (it carries the hidden `_meta` sheet `tables/exports/xlsx.py`
  writes), or one of the forms our exporter prints filled in by hand: `tables.imports.xlsx`,
  which reads it back exactly; any other workbook (a bureau's template, last year's table) goes
  to the recogniser (`tables.imports.recognise`);
- `.docx` and `.pdf` (with a text layer): the recogniser;
- `.txt`: the text parser (`tables.imports.text`) when it reads a complete table without a
  problem (the seeds' texts import exactly as they always did); otherwise the recogniser.

`source_grids` is the one choice of reader for a file the recogniser reads (the web preview,
`tables/imports/preview.py`, reads its uploads through it too); `decode_text` the one decoding of
a text file.

A sheet, page or text holding several tables gives several tables; they are stored together in
one transaction through `import_document`, so they are checked the same way as a JSON file and
a refusal leaves the database as it was. When no shipped layout fits, or a column could be
placed nowhere, the file is refused with `NeedsConfirmation` (which carries what was read)
unless the caller confirms: then every column is stored (an unplaced one in the indicator's
note) under the closest layout, or the generic one, and the result says so.

Every refusal is an `ImportFailed` whose message names the file and, where there is one, the
place (`工作表“绩效目标表”E14`, `第 12 行`), what was expected and what was found; the lines or
cells a reader could not place are listed with it.

Text files (.txt) are read as UTF-8 (with or without BOM), as UTF-16/UTF-32
when they start with a BOM (Windows Notepad's "Unicode"), and otherwise as
GB18030, which is a superset of GBK and GB2312: a file saved as ANSI by a
Chinese Windows reads correctly. Bytes no such text can hold (NUL, other
control characters) are refused with the line they are on.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from tables.exports.xlsx import META_SHEET
from tables.imports.exchange import ExchangeError, ImportResult, check_structure, import_document, load_file
from tables.imports.exchange.identity import repeated_tables
from tables.imports.recognise import Grid, Recognised, forms_of, read_docx, read_pdf, read_text, read_xlsx, recognise
from tables.imports.recognise.recognise import GENERIC_LAYOUT
from tables.imports.text import parse_table_text
from tables.imports.xlsx import XlsxImportError, check_package, read_workbook
from tables.imports.xlsx.package import MAX_UNCOMPRESSED
from tables.layout_spec import FOOTER_FIELDS, HEADER_FIELDS
from tables.layouts import BUDGET_LABELS, COLUMN_LABELS, LAYOUTS, infer_layout_code
from tables.models import Organisation

SUPPORTED = ".json、.txt、.xlsx、.docx、.pdf"
# What `source_grids` reads into the recogniser's grids (the web preview accepts these).
GRID_SUFFIXES = (".xlsx", ".xlsm", ".docx", ".pdf", ".txt")
# The forms our exporter prints (tables/exports/xlsx.py): a workbook in one of them is read by the xlsx importer.
OWN_FORMS = {layout["code"] for layout in LAYOUTS}
SHOWN_PROBLEMS = 30  # lines a refusal lists before "…另有 N 处"
ORGANISATION_HINT = "命令行请加 --organisation 编码或名称；网页导入时在上传页选择单位"


class ImportFailed(Exception):
    """The file was not imported; the message names the file and the place, in Chinese."""


class NeedsOrganisation(ImportFailed):
    """A recognised form that prints no unit line: the caller has to name the organisation it is for
    (`organisation=`, the command's `--organisation`). `recognised` holds what the recogniser read (a batch
    import decides the organisation from it and the uploader, `batch.jobs.organisation_for`)."""

    def __init__(self, message: str, recognised=None):
        super().__init__(message)
        self.recognised = recognised


class NeedsConfirmation(ImportFailed):
    """The file was read, but a person has to confirm what goes where before anything is stored:
    no shipped layout fits it, or a column could be placed nowhere. `recognised` holds what the
    recogniser read (its tables, each source column's field, and every problem with its place);
    the web preview shows it, the CLI prints it, a batch import reports the file as 待确认."""

    def __init__(self, message: str, recognised=None):
        super().__init__(message)
        self.recognised = recognised


@dataclass
class Read:
    """What a file holds: its exchange documents (one per table), the lines or cells a reader could not
    place, and for a recognised file what the recogniser read and where each document's keys came from."""

    documents: list[dict]
    problems: list[str] = field(default_factory=list)
    recognised: list[Recognised] = field(default_factory=list)
    places: list[dict[str, str]] = field(default_factory=list)  # per document; {} for our own formats
    notes: list[str] = field(default_factory=list)  # what a confirmed import did (the layout it used)


@dataclass
class FileImportResult(ImportResult):
    problems: list[str] = field(default_factory=list)
    read: Read | None = None
    dry_run: bool = False
    stored: list[dict] = field(default_factory=list)  # each table as stored: title, year, kind, layout, counts


def check_size(size: int, name: str) -> None:
    """Refuse an empty file, or one over IMPORT_MAX_BYTES, before reading (or copying) it."""
    if size > settings.IMPORT_MAX_BYTES:
        raise ImportFailed(
            f"{name}：文件过大（{size / 1024 / 1024:.1f} MB，上限 {settings.IMPORT_MAX_BYTES // 1024 // 1024} MB）"
        )
    if size == 0:
        raise ImportFailed(f"{name}：文件是空的")


def read_document(path: Path, *, name: str | None = None) -> tuple[object, list[str]]:
    """The one exchange document in a file and the lines or cells a reader could not place."""
    name = name or path.name
    read = read_tables(path, name=name)
    if len(read.documents) > 1:
        raise ImportFailed(
            f"{name}：文件中有 {len(read.documents)} 张表，这里只能导入一张；请用批量导入或命令 import_tables"
        )
    return read.documents[0], read.problems


def read_tables(
    path: Path, *, name: str | None = None, confirm: bool = False, organisation: Organisation | None = None
) -> Read:
    """Every table in a file as exchange documents; refused (`ImportFailed`) when none can be read, and
    `NeedsConfirmation` when the recogniser read it but a person has to say what goes where.
    `organisation`: the one the file is for, given to every table that names none (a form without a unit
    line); a table that names another is refused."""
    name = name or path.name
    return _for_organisation(_read_tables(path, name, confirm), organisation, name)


def find_organisation(code_or_name: str) -> Organisation:
    """The organisation `--organisation` names: by its code, else by its name; refused when none (or
    several) is."""
    text = code_or_name.strip()
    found = Organisation.objects.filter(code=text).first()
    if found is not None:
        return found
    named = list(Organisation.objects.filter(name=text)[:2])
    if len(named) > 1:
        raise ImportFailed(f"有多个单位名为“{text}”，请用单位编码指定（--organisation 编码）")
    if not named:
        raise ImportFailed(f"找不到单位“{text}”：--organisation 应为系统中已有单位的编码或名称")
    return named[0]


def _for_organisation(read: Read, organisation: Organisation | None, name: str) -> Read:
    if organisation is None:
        return read
    for document in read.documents:
        named = document.get("organization") or {}
        if not (named.get("code") or named.get("name")):
            document["organization"] = {"code": organisation.code, "name": organisation.name}
            continue
        same = named["code"] == organisation.code if named.get("code") else named["name"] == organisation.name
        if not same:
            title = document.get("title") or "（没有标题）"
            stated = "、".join(filter(None, (named.get("name"), named.get("code"))))
            given = "、".join(filter(None, (organisation.name, organisation.code)))
            raise ImportFailed(
                f"{name}：《{title}》表上写的单位是“{stated}”，与指定的单位“{given}”不一致，未导入："
                "请检查文件，或指定表上写的单位"
            )
    return read


def _read_tables(path: Path, name: str, confirm: bool) -> Read:
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise ImportFailed(f"{name}：文件不存在") from exc
    except PermissionError as exc:
        raise ImportFailed(f"{name}：没有读取此文件的权限") from exc
    except OSError as exc:
        raise ImportFailed(f"{name}：无法读取文件（{exc.strerror}）") from exc
    check_size(size, name)
    if suffix == ".json":
        try:
            data = load_file(path)
            check_structure(data, name)
        except ExchangeError as exc:
            raise ImportFailed(str(exc)) from exc
        return Read([data])
    if suffix == ".txt":
        return _read_text_file(path.read_bytes(), name, confirm)
    if suffix in (".xlsx", ".xlsm"):
        raw = path.read_bytes()
        if _is_our_export(raw):
            try:
                return Read([read_workbook(io.BytesIO(raw))])
            except XlsxImportError as exc:
                raise ImportFailed(f"{name}：{exc}") from exc
        read = _recognise_all(source_grids(name, raw, suffix=suffix), name)
        if all(result.layout in OWN_FORMS for result in read.recognised):
            try:  # our own form filled in by hand (its hidden sheet lost): the xlsx importer reads it exactly
                return Read([read_workbook(io.BytesIO(raw))])
            except XlsxImportError as exc:
                raise ImportFailed(f"{name}：{exc}") from exc
        return _settle(read, name, confirm)
    if suffix in (".docx", ".pdf"):
        return _recognised(source_grids(name, path.read_bytes(), suffix=suffix), name, confirm)
    raise ImportFailed(_unsupported(name, suffix, SUPPORTED))


def _unsupported(name: str, suffix: str, supported: str) -> str:
    return f"{name}：不支持的文件类型“{suffix or '无扩展名'}”（支持 {supported}）"


def source_grids(name: str, raw: bytes, *, suffix: str | None = None, source: str | None = None) -> list[Grid]:
    """Every sheet, Word table, PDF page or text of a file as the recogniser's grids: the one choice of
    reader by the file's suffix, with each package's safety checks, for every import that recognises
    (`read_tables`, the web preview). Refused (`ImportFailed`) in words naming the file. `suffix`: the
    kind, when the name shown is not the file's own (default: the name's); `source`: what a text's
    places call it (default: the name)."""
    suffix = (suffix or Path(name).suffix).lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            check_package(raw)  # what is not a workbook, or unpacks too far, is refused before any XML is read
        except XlsxImportError as exc:
            raise ImportFailed(f"{name}：{exc}") from exc
        return _read_source(read_xlsx, raw, name, "Excel 工作簿（.xlsx）")
    if suffix == ".docx":
        _check_docx_package(raw, name)
        return _read_source(read_docx, raw, name, "Word 文档（.docx）")
    if suffix == ".pdf":
        if not raw.startswith(b"%PDF"):
            raise ImportFailed(f"{name}：不是 PDF 文件（或扩展名与内容不符）")
        return _read_source(read_pdf, raw, name, "PDF 文件")
    if suffix == ".txt":
        return read_text(decode_text(raw, name), source or name)
    raise ImportFailed(_unsupported(name, suffix, "、".join(GRID_SUFFIXES)))


def _check_docx_package(raw: bytes, name: str) -> None:
    """A Word document is a zip: refuse one that would unpack too far before it is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            total = sum(part.file_size for part in package.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # no zip at all: the reader refuses it (`_read_source`)
    if total > MAX_UNCOMPRESSED:
        raise ImportFailed(f"{name}：Word 文件解压后过大，拒绝导入")


def _is_our_export(raw: bytes) -> bool:
    """A workbook `tables/exports/xlsx.py` wrote: it lists the hidden `_meta` sheet in xl/workbook.xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as package:
            workbook = package.read("xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return True  # not a readable package: the xlsx importer refuses it with its own words
    return f'name="{META_SHEET}"'.encode() in workbook


def _read_source(reader, raw: bytes, name: str, kind: str) -> list:
    try:
        return reader(raw)
    except Exception as exc:  # a damaged or mislabelled file: the library's own error means nothing to a user
        raise ImportFailed(f"{name}：无法作为{kind}打开（文件已损坏、加密，或扩展名与内容不符）") from exc


def _read_text_file(raw: bytes, name: str, confirm: bool) -> Read:
    text = decode_text(raw, name)
    parsed = parse_table_text(text, source=name)
    line_problems = [f"第 {line} 行“{content[:40]}”：{reason}" for line, content, reason in parsed.problems]
    data = parsed.data
    complete = data.get("indicators") and data.get("year") is not None and (data.get("organization") or {}).get("name")
    if complete and not line_problems:
        return Read([data])
    try:
        return _recognised(source_grids(name, raw, suffix=".txt"), name, confirm)
    except NeedsConfirmation:
        raise
    except ImportFailed as exc:
        # neither reads a table from it: the text parser's reading, its lines, and why the recogniser refused
        return Read([data], [*line_problems, str(exc)])


def _recognised(grids: list, name: str, confirm: bool) -> Read:
    return _settle(_recognise_all(grids, name), name, confirm)


def _recognise_all(grids: list, name: str) -> Read:
    """Every form in the grids recognised; refused when none holds a table."""
    read = Read([])
    refusals: list[str] = []
    for grid in grids:
        for form in forms_of(grid):
            result = recognise(form)
            if not result.tables:
                refusals += result.problems
                continue
            read.recognised.append(result)
            read.problems += result.problems
            for table, places in zip(result.tables, result.places, strict=True):
                read.documents.append(table)
                read.places.append(places)
    if not read.documents:
        first = refusals[0] if refusals else f"{name}：没有找到任何绩效目标表"
        raise ImportFailed(_with_problems(f"{name}：没有读出任何绩效目标表。{first}", refusals[1:]))
    return read


def _settle(read: Read, name: str, confirm: bool) -> Read:
    """Refused for a person to confirm, or each table given its layout and checked for what storing needs."""
    unplaced = [c for r in read.recognised for c in r.columns if c.key is None and c.used]
    unfit = [r for r in read.recognised if r.layout is None]
    if (unplaced or unfit) and not confirm:
        reasons = []
        if unfit:
            reasons.append("没有相近的已有表样")
        if unplaced:
            reasons.append("、".join(f"{c.place}“{c.label}”" for c in unplaced) + " 对应不到指标的任何一项")
        raise NeedsConfirmation(
            _with_problems(
                f"{name}：{'；'.join(reasons)}，请确认每列的含义后再导入"
                "（命令行加 --confirm：对应不到的列记入指标备注）",
                read.problems,
            ),
            read.recognised[0] if len(read.recognised) == 1 else read.recognised,
        )
    for result in read.recognised:
        if result.layout is None:
            read.notes.append(f"{name}：没有相近的已有表样，已按确认以通用表样导入，所有列均已保留")
        if any(c.key is None and c.used for c in result.columns):
            read.notes.append(f"{name}：对应不到的列已按确认记入各行指标的备注")
    for document, result in zip(read.documents, _owners(read), strict=True):
        document["layout"] = result.layout or _fallback_layout(document)
    return read


def _owners(read: Read) -> list[Recognised]:
    return [result for result in read.recognised for _ in result.tables]


def _fallback_layout(document: dict) -> str:
    """Under what a confirmed table no shipped layout fits is stored: the generic project layout (its
    一级 and 二级 kept in the note, the generic scheme has no categories), a department table under the
    department layout its shape suggests."""
    if document.get("kind") == "department":
        return infer_layout_code(document)
    document["kind"] = "project"
    if document.get("project") is None:
        document["project"] = {"code": None, "name": document.get("title")}
    for indicator in document.get("indicators") or []:
        levels = [f"{COLUMN_LABELS[key]}：{indicator[key]}" for key in ("level1", "level2") if indicator.get(key)]
        if levels:
            indicator["note"] = "；".join([*levels, *([indicator["note"]] if indicator.get("note") else [])])
        indicator["level1"] = indicator["level2"] = None
    return GENERIC_LAYOUT


def _complete(document: dict, name: str, read: Read) -> None:
    """What a table must state to be stored, asked for in the words of the printed form."""
    title = document.get("title") or "（没有标题）"
    if document.get("year") is None:
        raise ImportFailed(
            _with_problems(
                f"{name}：找不到预算年度：标题“{title}”里没有“2023年度”一类的字样，标题下也没有“（2023年）”"
                "或“预算年度”一格；请在标题中写明年度后再导入",
                read.problems,
            )
        )
    project = document.get("project")
    if document.get("kind") == "project" and isinstance(project, dict) and not project.get("name"):
        # a form that prints no 项目名称 line (a bureau's allocation notice): its title names the project
        document["project"] = {**project, "name": title}
        read.notes.append(f"《{title}》没有项目名称一行，已按标题作项目名称")
    organization = document.get("organization") or {}
    if not organization.get("name"):
        department = document.get("department") or {}
        if department.get("name"):  # a project form that prints only its 主管部门
            document["organization"] = {"code": department.get("code"), "name": department["name"]}
            read.notes.append(f"《{title}》没有单位名称一行，已按主管部门“{department['name']}”导入")
            return
        project = document.get("kind") == "project"
        wanted = "“单位名称”“实施单位”“项目单位”或“主管部门”" if project else "“部门（单位）名称”"
        raise NeedsOrganisation(
            _with_problems(
                f"{name}：《{title}》找不到单位，表上没有单位名称一行：{ORGANISATION_HINT}（表头中找过{wanted}，都没有）",
                read.problems,
            ),
            read.recognised[0] if len(read.recognised) == 1 else read.recognised,
        )


def _with_problems(message: str, problems: list[str], caption: str = "其他问题") -> str:
    if not problems:
        return message
    shown = [f"  {line}" for line in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        shown.append(f"  …另有 {len(problems) - SHOWN_PROBLEMS} 处")
    return "\n".join([message, f"{caption}（{len(problems)} 处）：", *shown])


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # tab, line breaks, VT (Word), FF (PDF) pass


def decode_text(raw: bytes, name: str) -> str:
    """The text of a .txt file in whichever encoding it was saved (see the module docstring)."""
    boms = [encoding for bom, encoding in _BOMS if raw.startswith(bom)]
    if not boms and b"\x00" in raw:  # never in UTF-8 or GBK text
        raise ImportFailed(
            f"{name}：含有空字节（NUL），可能是没有 BOM 的 UTF-16 文本或二进制文件；文本请另存为 UTF-8 后再导入"
        )
    encodings = boms[:1] or ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFailed(f"{name}：无法识别文本编码（应为 UTF-8、GBK/GB18030 或带 BOM 的 UTF-16），或不是文本文件")
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ImportFailed(f"{name}：第 {line} 行含有控制字符（U+{ord(bad.group()):04X}），不是纯文本文件")
    return text


def import_path(
    path: Path,
    *,
    layout_code: str | None = None,
    user=None,
    name: str | None = None,
    confirm: bool = False,
    dry_run: bool = False,
    organisation: Organisation | None = None,
) -> FileImportResult:
    """Import every table in a file, all or nothing. `confirm`: store a recognised file whose columns could not
    all be placed (see the module docstring). `dry_run`: read and check everything as an import does, store nothing.
    `organisation`: the one a form that prints no unit line is for (see `read_tables`)."""
    name = name or path.name
    read = read_tables(path, name=name, confirm=confirm, organisation=organisation)
    if path.suffix.lower() == ".txt" and not read.recognised:
        _check_text_table(read.documents[0], name, read.problems)
    for document in read.documents if read.recognised else []:
        _complete(document, name, read)
    places = [
        places.get("project.name") or places.get("indicators[1]") or f"第 {i} 张表"
        for i, places in enumerate(read.places or [{}] * len(read.documents), start=1)
    ]
    if repeated := repeated_tables(list(zip(places, read.documents, strict=True))):
        raise ImportFailed(_with_problems(f"{name}：{'；'.join(repeated)}", read.problems))
    result = ImportResult()
    with transaction.atomic():
        for document, places in zip(read.documents, read.places or [{}] * len(read.documents), strict=True):
            try:
                one = import_document(document, name, layout_code=layout_code, user=user)
            except ExchangeError as exc:
                raise ImportFailed(_with_problems(_at_cell(str(exc), name, places), read.problems)) from exc
            result.tables += one.tables
            result.created += one.created
            result.updated += one.updated
            result.overall = one.overall or result.overall
        stored = [_stored(table) for table in result.tables]
        if dry_run:
            transaction.set_rollback(True)
    return FileImportResult(
        tables=result.tables,
        created=result.created,
        updated=result.updated,
        overall=result.overall,
        problems=read.problems + read.notes,
        read=read,
        dry_run=dry_run,
        stored=stored,
    )


def _stored(table) -> dict:
    """What one table holds as stored (read before a dry run's rollback)."""
    return {
        "title": table.title,
        "year": table.year,
        "kind": table.get_kind_display(),
        "layout": f"{table.layout.code}（{table.layout.name}）",
        "organisation": table.organisation.name,
        "tasks": table.tasks.count(),
        "indicators": table.indicators.count(),
    }


_EXCHANGE_PATH = re.compile(
    r"^(?P<source>.*?)：(?P<path>[a-z_]+(?:\[\d+\])?(?:\.[a-z_0-9]+(?:\[\d+\])?)*)：(?P<reason>.*)$", re.S
)
_FIELD_LABELS = {
    **{f"indicators.{key}": label for key, label in COLUMN_LABELS.items()},
    **{f"budget.{key}": label for key, label in BUDGET_LABELS.items()},
    **{f"footer.{key}": label for key, label in FOOTER_FIELDS.items()},
    "organization.name": HEADER_FIELDS.get("organization", "单位名称"),
    "project.name": "项目名称",
    "project.code": "项目编码",
    "title": "标题",
    "year": "预算年度",
    "kind": "表类型",
}


def _at_cell(message: str, name: str, places: dict[str, str]) -> str:
    """`文件：indicators[3].value：不能为空` → `文件：工作表“Sheet1”A14（第 3 项指标）“指标值”：不能为空`."""
    found = _EXCHANGE_PATH.match(message)
    if not found or not places:
        return message
    path = found.group("path")
    row = re.match(r"^indicators\[(\d+)\](?:\.(\w+))?", path)
    if row:
        place = places.get(f"indicators[{row.group(1)}]", "")
        label = _FIELD_LABELS.get(f"indicators.{row.group(2)}", row.group(2) or "")
        where = f"{place}一行（第 {row.group(1)} 项指标）" if place else f"第 {row.group(1)} 项指标"
        return f"{name}：{where}{f'“{label}”' if label else ''}：{found.group('reason')}"
    key = re.sub(r"\[\d+\]", "", path)
    label = _FIELD_LABELS.get(key, "")
    place = places.get(path) or (places.get("title") if key in ("year", "kind", "title") else None)
    if place or label:
        return f"{name}：{place or ''}{f'“{label}”' if label else ''}：{found.group('reason')}"
    return message


def _check_text_table(data: dict, name: str, problems: list[str]) -> None:
    """What a text file the text parser read must state to be imported on its own (the editor takes year
    and organisation from the form instead); said in the words of the printed table, with the lines the
    parser could not place."""
    if not (data.get("indicators") or data.get("tasks") or data.get("goal")):
        raise ImportFailed(_with_problems(f"{name}：没有识别出任务、目标或指标，不像是绩效目标表的文本", problems))
    if data.get("year") is None:
        found = data.get("title") or "（没有标题）"
        raise ImportFailed(
            _with_problems(
                f"{name}：文本中找不到预算年度：标题下一行应有“（2024年）”，或标题里写有“2024年度”；找到的标题是“{found}”",
                problems,
            )
        )
    if not (data.get("organization") or {}).get("name"):
        raise ImportFailed(
            _with_problems(
                f"{name}：文本中找不到单位名称：整体表应有“部门（单位）名称”一行，项目表应有“单位名称”或“项目单位”一行；"
                f"{ORGANISATION_HINT}",
                problems,
            )
        )
