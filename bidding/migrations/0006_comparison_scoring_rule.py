"""The rule of comparison selection's scoring deadline, as literal data (a stored row, so
the bureau sees and edits it with the other rules)."""

from decimal import Decimal

from django.db import migrations

KEY = "comparison_scoring_workdays"


def seed(apps, schema_editor):
    apps.get_model("core", "Rule").objects.get_or_create(key=KEY, defaults={
        "label": "询比选取评审打分期限（开标后）", "value": Decimal(3), "unit": "工作日", "min_value": Decimal(1),
        "source": "平台运行规则：询比选取开标后，项目业主（或其指定的评审小组）应在3个工作日内对各评审因素逐项打分并"
                  "说明理由；逾期未完成评审的，本次采购失败（流标）。",
    })


def unseed(apps, schema_editor):
    apps.get_model("core", "Rule").objects.filter(key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [("bidding", "0005_comparison"), ("core", "0002_remove_dead_rules")]
    operations = [migrations.RunPython(seed, unseed)]
