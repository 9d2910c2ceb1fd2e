"""Rounds named by the importer before the fix read `2022年新疆2022年部门…`: rename those (only titles that are
exactly the old generated name; a title someone typed stays)."""

import re

from django.db import migrations

_YEAR_IN_NAME = re.compile(r"(?:19|20)\d{2}年度?")  # as Round.default_title: a migration keeps its own copy


def rename(apps, schema_editor):
    Round = apps.get_model("tables", "Round")
    for round_ in Round.objects.select_related("layout"):
        name = round_.layout.name
        if round_.title == f"{round_.year}年{name}":
            new = f"{round_.year}年{_YEAR_IN_NAME.sub('', name, count=1)}"
            if new != round_.title:
                Round.objects.filter(pk=round_.pk).update(title=new)


class Migration(migrations.Migration):
    dependencies = [
        ("tables", "0007_exportjob_failures_and_retention"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
