"""What an upload holds: its files, stored in the batch's folder under names of ours, and a zip's
members, each listed or refused with the reason, and read back one at a time for the worker.

A zip is untrusted. It is refused whole when its end record lists far more entries than
IMPORT_BATCH_MAX_FILES (before zipfile reads its directory into memory), and the upload is
refused whole past IMPORT_BATCH_MAX_FILES files or IMPORT_BATCH_MAX_BYTES uncompressed. A
member named outside the zip (absolute, a drive, "..") or that is a link, an encrypted member
or an archive inside the archive is refused with the reason; nothing is ever written under a
name taken from the zip. A member is read back no further than its recorded size (nor than
IMPORT_MAX_BYTES), and zipfile's own size and CRC checks refuse one whose header lies. Windows
zips store names in GBK without the UTF-8 flag (0x800): such names are decoded as GBK, not cp437.
"""

from __future__ import annotations

import re
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from tables.imports.dispatch import ImportFailed, check_size

LYING = "压缩包中的这个文件已损坏（解压后的大小或校验值与压缩包记录的不符），可能是恶意压缩包，未导入"
# A zip's end record: 22 bytes and a comment of at most 65535.
_EOCD_SEARCH = 22 + 65535
ENTRIES_PER_FILE = 4  # folders and an archiver's extra files (macOS: one ._ file per file) beside each file
ZIP_UTF8_FLAG = 0x800
ZIP_ENCRYPTED_FLAG = 0x1
ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}$")


class BatchRefused(Exception):
    """The upload as a whole is refused (too many files, too large, too many batches); the message says why."""


@dataclass
class Entry:
    """One file of an upload before it is recorded: where it is, or why it is refused."""

    name: str
    source: str = ""
    member: str = ""
    size: int = 0
    refusal: str = ""


def store_uploads(uploads: list[UploadedFile], folder: Path) -> list[Entry]:
    """Every file of the upload, stored in `folder` or refused with the reason; BatchRefused past the limits."""
    entries = _store(uploads, folder)
    _check_totals(entries)
    return entries


def _store(uploads: list[UploadedFile], folder: Path) -> list[Entry]:
    """Each upload written to the batch folder under a name of ours; a zip's members listed."""
    entries: list[Entry] = []
    for index, upload in enumerate(uploads, start=1):
        name = Path(upload.name or f"文件{index}").name
        suffix = _suffix(name)
        if suffix == ".zip":
            if upload.size > settings.IMPORT_BATCH_MAX_BYTES:
                most = _mb(settings.IMPORT_BATCH_MAX_BYTES)
                raise BatchRefused(f"{name}：压缩包过大（{_mb(upload.size)}，上限 {most}）")
            stored = _write(upload, folder / f"{index}.zip")
            entries.extend(zip_entries(stored, name))
            continue
        try:
            check_size(upload.size, name)
        except ImportFailed as exc:
            entries.append(Entry(name, refusal=str(exc)))
            continue
        stored = _write(upload, folder / f"{index}{suffix}")
        entries.append(Entry(name, source=stored.name, size=upload.size))
    return entries


def _check_totals(entries: list[Entry]) -> None:
    most = settings.IMPORT_BATCH_MAX_FILES
    if len(entries) > most:
        raise BatchRefused(f"一次最多导入 {most} 个文件，这次上传了 {len(entries)} 个（压缩包中的文件逐个计数）。")
    size = sum(entry.size for entry in entries)
    if size > settings.IMPORT_BATCH_MAX_BYTES:
        raise BatchRefused(
            f"这次上传的文件解压后共 {_mb(size)}，超过上限 {_mb(settings.IMPORT_BATCH_MAX_BYTES)}；请分几次上传。"
        )


def _write(upload: UploadedFile, target: Path) -> Path:
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target


def _suffix(name: str) -> str:
    found = _SUFFIX.search(name)
    return found.group().lower() if found else ""


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


# ---------------------------------------------------------------- zips


def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its author wrote it: UTF-8 when the zip says so (flag 0x800), else the bytes
    Python decoded as cp437 read again as UTF-8 (tools that write it without the flag) or GBK (Windows)."""
    if info.flag_bits & ZIP_UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:  # Python already decoded it otherwise
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def zip_entries(path: Path, zip_name: str) -> list[Entry]:
    """A zip's files, each stored as a member of `path` or refused with the reason."""
    _refuse_a_huge_directory(path, zip_name)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return [Entry(zip_name, refusal=f"{zip_name}：不是有效的 zip 压缩包，或压缩包已损坏")]
    entries = []
    with archive:
        for info in archive.infolist():
            name = member_name(info)
            if info.is_dir() or _is_clutter(name):
                continue
            shown = f"{zip_name}/{name}"
            refusal = member_refusal(info, name)
            if refusal:
                entries.append(Entry(shown, refusal=f"{shown}：{refusal}"))
                continue
            entries.append(Entry(shown, source=path.name, member=info.filename, size=info.file_size))
    if not entries:
        return [Entry(zip_name, refusal=f"{zip_name}：压缩包中没有文件")]
    return entries


def _refuse_a_huge_directory(path: Path, zip_name: str) -> None:
    """Count a zip's entries from its end record before zipfile reads every one of them into memory:
    a few MB of zip can list millions. Folders and an archiver's extra files count too, hence the margin."""
    most = ENTRIES_PER_FILE * settings.IMPORT_BATCH_MAX_FILES
    with path.open("rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - _EOCD_SEARCH))
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end < 0 or len(tail) < end + 12:
        return  # not a zip: zipfile says so
    entries = int.from_bytes(tail[end + 10 : end + 12], "little")
    if entries > most:  # 0xFFFF: a zip64 directory, more entries than a 16-bit count holds
        raise BatchRefused(
            f"{zip_name}：压缩包中有 {'65535 以上' if entries == 0xFFFF else entries} 项，"
            f"一次最多导入 {settings.IMPORT_BATCH_MAX_FILES} 个文件。"
        )


def _is_clutter(name: str) -> bool:
    """What an archiver adds beside the files a person zipped (macOS resource forks, Finder and Explorer files)."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return bool(parts) and (parts[0] == "__MACOSX" or parts[-1] in (".DS_Store", "Thumbs.db", "desktop.ini"))


def member_refusal(info: zipfile.ZipInfo, name: str) -> str:
    """Why a member is not imported, or ""."""
    path = name.replace("\\", "/")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path) or ".." in path.split("/"):
        return "文件名指向压缩包以外的位置（绝对路径或“..”），可能是恶意压缩包，未导入"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "是符号链接而不是文件，未导入"
    if info.flag_bits & ZIP_ENCRYPTED_FLAG:
        return "文件已加密（设置了密码），无法读取；请解除密码后重新压缩上传"
    if _suffix(name) in ARCHIVES:
        return "压缩包中的压缩包不会展开；请解压后把其中的文件直接上传，或放进同一个 zip"
    return ""


def extract(folder: Path, item, into: Path) -> Path:
    """A stored file (`item`: its name, source and member) as a file in `into` named by us (the suffix
    kept: it tells the importer the kind)."""
    source = folder / Path(item.source).name
    target = into / f"file{_suffix(item.name)}"
    if not item.member:
        shutil.copyfile(source, target)
        return target
    with zipfile.ZipFile(source) as archive:
        info = archive.getinfo(item.member)
        check_size(info.file_size, item.name)
        # The header's size can lie (a zip bomb): stop reading past it, or past the limit.
        most = min(info.file_size, settings.IMPORT_MAX_BYTES)
        written = 0
        try:
            with archive.open(info) as member, target.open("wb") as handle:
                while chunk := member.read(1024 * 1024):
                    written += len(chunk)
                    if written > most:
                        raise ImportFailed(f"{item.name}：{LYING}")
                    handle.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # zipfile's own checks: the size, the CRC
            raise ImportFailed(f"{item.name}：{LYING}") from exc
    return target
