"""cause_key: NULL instead of "" for events without a cause, and a plain unique constraint
(MariaDB ignores conditional unique constraints, so the old one did not exist there)."""

from django.db import migrations, models


def blank_to_null(apps, schema_editor):
    apps.get_model("credit", "CreditEvent").objects.filter(cause_key="").update(cause_key=None)


class Migration(migrations.Migration):
    dependencies = [("credit", "0003_seed_sanctions")]

    operations = [
        migrations.RemoveConstraint(model_name="creditevent", name="creditevent_once_per_cause"),
        migrations.AlterField(
            model_name="creditevent", name="cause_key",
            field=models.CharField(blank=True, default=None, max_length=120, null=True),
        ),
        migrations.RunPython(blank_to_null, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="creditevent",
            constraint=models.UniqueConstraint(fields=("organisation", "cause_key"), name="creditevent_once_per_cause"),
        ),
    ]
