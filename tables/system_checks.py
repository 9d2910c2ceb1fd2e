"""Django system checks: what the server needs from the machine, said before a user finds out.

Every management command (and runserver) runs these, so a machine without the
print fonts warns on `migrate`, `load_demo`, `export_tables`… and
`check --deploy` (which `make serve-prod` runs) fails on it. The PDF renderer
refuses on its own too (`tables.exports.pdf.require_print_support`); this only
says it early.
"""

from __future__ import annotations

from django.core import checks

from tables.exports.fonts import missing_message, missing_packages


def _print_support(level: type[checks.CheckMessage], id: str) -> list[checks.CheckMessage]:
    missing = missing_packages()
    if not missing:
        return []
    hint = "make run 和 make test 会自动安装；手工部署的服务器请用 apt-get 安装。"
    return [level(f"PDF 导出不可用：{missing_message(missing)}", hint=hint, id=id)]


@checks.register("pdf")
def print_support(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return _print_support(checks.Warning, "tables.W001")


@checks.register("pdf", deploy=True)
def print_support_deploy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A production server without the fonts would hand out PDFs of empty boxes: an error there."""
    return _print_support(checks.Error, "tables.E001")

