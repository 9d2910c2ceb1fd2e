from django.core.management.base import BaseCommand

from tables.demo import load_demo


class Command(BaseCommand):
    help = "载入演示数据（五张样表）和演示账号；可重复执行。"

    def handle(self, *args, **options):
        logins = load_demo()
        self.stdout.write(f"演示账号（密码均为 {logins[0].password}）：")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<10} {login.scope}")
