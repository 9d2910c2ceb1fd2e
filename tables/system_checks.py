"""Django system checks: what the server needs from the machine, said before a user finds out.

Every management command (and runserver) runs these, so a machine without the
print fonts warns on `migrate`, `load_demo`, `export_tables`… and
`check --deploy` (which `make serve-prod` runs) fails on it. The PDF renderer
refuses on its own too (`tables.exports.pdf.require_print_support`); this only
says it early.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
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


@checks.register(checks.Tags.security, deploy=True)
def testing_is_off(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """TESTING=1 swaps in a published SECRET_KEY, MD5 password hashes and a per-process throttle cache."""
    if not settings.TESTING:
        return []
    return [
        checks.Error(
            "TESTING 已开启：它只用于测试（公开的 SECRET_KEY、MD5 密码散列、每个进程各自的登录失败计数）。",
            hint="生产环境不要设置 TESTING。",
            id="tables.E002",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def trusted_proxies_are_specific(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Trusting every address would let any client choose its own address and scheme."""
    return [
        checks.Error(
            f"TRUSTED_PROXIES 含 {network}：任何人都能伪造 X-Forwarded-For 和 X-Forwarded-Proto。",
            hint="只列出反向代理（nginx）本身的地址。",
            id="tables.E003",
        )
        for network in settings.TRUSTED_PROXIES
        if ipaddress.ip_network(network).prefixlen == 0
    ]


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Without SITE_URL the links in notification e-mails are bare paths that no mail client can open."""
    if settings.SITE_URL:
        return []
    return [
        checks.Warning(
            "SITE_URL 未设置：通知邮件中的链接将没有网址前缀，收件人无法直接打开。",
            hint="设置环境变量 SITE_URL，例如 https://jxmb.example.gov.cn（见 docs/deploy.md）。",
            id="tables.W010",
        )
    ]
