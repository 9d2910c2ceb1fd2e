"""Import the organisations and user accounts of a round from an xlsx workbook.

Two sheets, each with a header row (columns in any order; 【】 marks optional ones):

- 部门单位: 编码, 名称, 【上级编码】 — a 单位 names its 部门 as 上级;
- 用户: 用户名, 角色, 【姓名】, 【邮箱】, 【部门编码】, 【含下属单位】, 【初始密码】 —
  角色 is 填报人, 主管部门审核人, 财政审核人 (or 审核人) or 管理员 (`tables/setup/duties.py`, the
  vocabulary and rules the set-up pages share); 部门编码 is required except for 管理员; a user may
  have several rows (one per organisation or role). Where a code is asked for (部门编码, 上级编码),
  an organisation without one (created in the set-up pages) is named by its name.

As with the other imports, every row is checked before anything is written,
each problem names the sheet and the cell (``用户!E5：…``), and the import runs
in one transaction: a bad file changes nothing. Existing organisations (by
编码) and users (by 用户名) are updated, never duplicated; importing the same
file twice changes nothing the second time.

An import is previewed first (``dry_run=True``: written, listed and rolled
back), because it can change people who already work in the system: their
e-mail, their name, their roles. Granting 管理员 is never done silently: the
import refuses it unless ``confirm_admins`` says the admin saw the list.
Initial passwords pass Django's password validators (AUTH_PASSWORD_VALIDATORS),
and a user given one must change it at the first login (tables.passwords).

Where each part lives: `importing.py` (`import_accounts`: read, check, write
in one transaction, the preview's digest), `checks.py` (one function per rule
a row must keep), `workbook.py` (the two sheets read into rows, the empty
template, a previewed workbook held until confirmed).
"""

from tables.imports.accounts.importing import AccountsImportResult, PreviewOutdated, import_accounts
from tables.imports.accounts.workbook import (
    ORG_SHEET,
    USER_SHEET,
    AccountsImportError,
    held_workbook,
    hold_workbook,
    release_workbook,
    template_workbook,
)

__all__ = [
    "ORG_SHEET",
    "USER_SHEET",
    "AccountsImportError",
    "AccountsImportResult",
    "PreviewOutdated",
    "held_workbook",
    "hold_workbook",
    "import_accounts",
    "release_workbook",
    "template_workbook",
]
