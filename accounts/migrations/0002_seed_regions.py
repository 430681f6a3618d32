"""Seed Yichun's divisions (区划): the city, its ten counties and the three zones."""

from django.db import migrations


def seed(apps, schema_editor):
    from market.seed_data import REGIONS

    Region = apps.get_model("accounts", "Region")
    by_code = {}
    for order, row in enumerate(REGIONS):
        region, _ = Region.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "sort_order": order,
                      "parent": by_code.get(row.get("parent_code") or "")},
        )
        by_code[region.code] = region


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
