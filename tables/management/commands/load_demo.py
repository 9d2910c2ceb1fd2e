from django.core.management.base import BaseCommand

from tables.demo import load_demo, tour


class Command(BaseCommand):
    help = "载入演示数据（五张样表、演示账号和一轮走完的审核流程）；可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="导览中页面链接的前缀（make run 传入它启动的地址）",
        )

    def handle(self, *args, **options):
        logins = load_demo()
        self.stdout.write(f"演示账号（密码均为 {logins[0].password}）：")
        for login in logins:
            self.stdout.write(f"  {login.username:<14} {login.role:<12} {login.scope}")
        self.stdout.write("试一试（依次用这几个账号登录）：")
        for number, step in enumerate(tour(options["base_url"]), start=1):
            self.stdout.write(f"  {number}. {step.username} 登录，打开 {step.path} —— {step.look}")
