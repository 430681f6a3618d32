"""Remove the stored values of two rules no code ever read: the sanction table
(`credit.SanctionRule`) is what decides suspensions and bans. Their earlier values stay in
the "rules" audit chain."""

from django.db import migrations

DEAD = ("decline_suspension_months", "fraud_ban_years")


def remove(apps, schema_editor):
    apps.get_model("core", "Rule").objects.filter(key__in=DEAD).delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("market", "0005_move_models")]
    operations = [migrations.RunPython(remove, migrations.RunPython.noop)]
