"""Seed the qualification types, the catalogue of intermediary services and the rules."""

from django.db import migrations


def seed(apps, schema_editor):
    from market.rules import RULES
    from market.seed_data import CATALOGUE, QUALIFICATION_TYPES

    QualificationType = apps.get_model("market", "QualificationType")
    ServiceItem = apps.get_model("market", "ServiceItem")
    Rule = apps.get_model("market", "Rule")
    types = {}
    for row in QUALIFICATION_TYPES:
        qtype, _ = QualificationType.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "issuer": row.get("issuer", ""), "grades": row.get("grades", []),
                      "note": row.get("note", "")},
        )
        types[qtype.code] = qtype
    for row in CATALOGUE:
        ServiceItem.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"], "approval": row["approval"], "legal_basis": row["legal_basis"],
                "qualification_type": types.get(row.get("qualification_code") or ""),
                "min_grade": row.get("min_grade", ""), "result_document": row["result_document"],
                "fee_basis": row["fee_basis"],
            },
        )
    for rule in RULES.values():
        Rule.objects.get_or_create(
            key=rule.key,
            defaults={"label": rule.label, "value": rule.value, "unit": rule.unit, "source": rule.source,
                      "min_value": rule.min_value},
        )


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial"), ("accounts", "0002_seed_regions")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
