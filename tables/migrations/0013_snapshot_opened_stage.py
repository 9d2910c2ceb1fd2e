from django.db import migrations, models
from django.db.models import Exists, OuterRef


def record_opened_stage(apps, schema_editor):
    """Until now only the first reviewer to open a submission was recorded: one that has been
    forwarded was opened by the 主管部门; any other was opened at the level it is at."""
    Snapshot = apps.get_model("tables", "Snapshot")
    ReviewDecision = apps.get_model("tables", "ReviewDecision")
    opened = Snapshot.objects.filter(opened_at__isnull=False)
    forwarded = ReviewDecision.objects.filter(snapshot=OuterRef("pk"), action="forward")
    opened.filter(Exists(forwarded)).update(opened_stage="department")
    opened.exclude(Exists(forwarded)).update(opened_stage=models.F("stage"))


class Migration(migrations.Migration):
    dependencies = [
        ("tables", "0012_province_layouts"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="opened_stage",
            field=models.CharField(
                blank=True,
                choices=[("department", "主管部门审核"), ("finance", "财政审核")],
                default="",
                max_length=20,
                verbose_name="打开时的审核环节",
            ),
        ),
        migrations.RunPython(record_opened_stage, migrations.RunPython.noop),
    ]
