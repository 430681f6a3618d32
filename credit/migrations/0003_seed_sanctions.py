"""Seed the sanction table with the product brief's defaults, and store the rules the
credit and rating features read (so the bureau sees and edits them at once)."""

from decimal import Decimal

from django.db import migrations


def seed(apps, schema_editor):
    import importlib

    from credit.sanctions import SANCTION_DEFAULTS

    # The rules' defaults as market's migration 0002 froze them: this migration may not
    # import code that later moved.
    frozen = importlib.import_module("market.migrations.0002_seed_catalogue_rules").RULES_AT_0002
    RULES = {row[0]: row for row in frozen}

    SanctionRule = apps.get_model("credit", "SanctionRule")
    for d in SANCTION_DEFAULTS.values():
        SanctionRule.objects.get_or_create(
            kind=d.kind,
            defaults={"severity": d.severity, "sanction": d.sanction, "months": d.months, "ban_years": d.ban_years,
                      "points": d.points, "source": d.source},
        )
    Rule = apps.get_model("market", "Rule")
    for key in ("rating_dispute_workdays", "rating_dispute_answer_workdays", "credit_appeal_answer_workdays",
                "score_weight_owner", "score_weight_sector", "score_weight_credit"):
        _key, label, value, unit, min_value, source = RULES[key]
        Rule.objects.get_or_create(
            key=key,
            defaults={"label": label, "value": Decimal(value), "unit": unit, "source": source,
                      "min_value": None if min_value is None else Decimal(min_value)},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0002_creditappeal_creditscore_sanctionrule_and_more"),
        ("market", "0002_seed_catalogue_rules"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
