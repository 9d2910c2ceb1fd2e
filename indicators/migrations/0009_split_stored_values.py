"""Every stored 指标值 parsed into its parts (comparator, number, unit, value type).

`value` is untouched: it stays the printed cell, and the parts are what the value
grammar reads from it, so a table stored before the full record agrees with one
saved after it.
"""

from django.db import migrations

BATCH = 2000


def split_stored_values(apps, schema_editor):
    from indicators.record import split_value

    Indicator = apps.get_model("indicators", "Indicator")
    rows = Indicator.objects.order_by("pk").only("pk", "value")
    changed = []
    for row in rows.iterator(chunk_size=BATCH):
        parts = split_value(row.value)
        row.comparator, row.number, row.unit, row.value_type = (
            parts.comparator,
            parts.number,
            parts.unit,
            parts.value_type,
        )
        changed.append(row)
        if len(changed) >= BATCH:
            Indicator.objects.bulk_update(changed, ["comparator", "number", "unit", "value_type"])
            changed = []
    if changed:
        Indicator.objects.bulk_update(changed, ["comparator", "number", "unit", "value_type"])


class Migration(migrations.Migration):
    dependencies = [("indicators", "0008_indicator_record")]

    operations = [migrations.RunPython(split_stored_values, migrations.RunPython.noop)]
