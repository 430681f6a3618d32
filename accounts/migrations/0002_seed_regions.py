"""Seed Yichun's divisions (区划): the city, its ten counties and the three zones."""

from django.db import migrations

# Frozen here as literal data: a migration never depends on code that may move or change.
REGIONS = [
    {"code": "360900", "name": "宜春市", "level": "city", "parent_code": None},
    {"code": "360902", "name": "袁州区", "level": "county", "parent_code": "360900"},
    {"code": "360921", "name": "奉新县", "level": "county", "parent_code": "360900"},
    {"code": "360922", "name": "万载县", "level": "county", "parent_code": "360900"},
    {"code": "360923", "name": "上高县", "level": "county", "parent_code": "360900"},
    {"code": "360924", "name": "宜丰县", "level": "county", "parent_code": "360900"},
    {"code": "360925", "name": "靖安县", "level": "county", "parent_code": "360900"},
    {"code": "360926", "name": "铜鼓县", "level": "county", "parent_code": "360900"},
    {"code": "360981", "name": "丰城市", "level": "county", "parent_code": "360900"},
    {"code": "360982", "name": "樟树市", "level": "county", "parent_code": "360900"},
    {"code": "360983", "name": "高安市", "level": "county", "parent_code": "360900"},
    # Platform-assigned codes: zones have no GB/T 2260 code.
    {"code": "360971", "name": "宜春经济技术开发区", "level": "zone", "parent_code": "360900"},
    {"code": "360972", "name": "宜阳新区", "level": "zone", "parent_code": "360900"},
    {"code": "360973", "name": "明月山温泉风景名胜区", "level": "zone", "parent_code": "360900"},
]


def seed(apps, schema_editor):
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
