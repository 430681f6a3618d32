"""Hand the existing ratings' aggregates to the stored credit scores (credit 0007 added the
columns): from now on ratings hand them over on every change, and credit recomputes a score
from what it stores when a credit event changes."""

from decimal import Decimal

from django.db import migrations
from django.db.models import Avg, Count, Q

DIMS = ("quality", "timeliness", "attitude", "fees", "conduct")
DEFAULT_SCORE = Decimal("4")
PLACES = Decimal("0.00001")


def backfill(apps, schema_editor):
    CreditScore = apps.get_model("credit", "CreditScore")
    Rating = apps.get_model("ratings", "Rating")
    SectorRating = apps.get_model("ratings", "SectorRating")
    for score in CreditScore.objects.all():
        owner = Rating.objects.filter(rated_id=score.organisation_id, side="owner")
        explicit = owner.filter(is_default=False).exclude(status="voided").aggregate(
            n=Count("id"), **{f"{d}_avg": Avg(d) for d in DIMS})
        counts = owner.aggregate(defaults=Count("id", filter=Q(is_default=True) & ~Q(status="voided")),
                                 voided=Count("id", filter=Q(status="voided")))
        n, n_default = explicit["n"], counts["defaults"]
        if n + n_default:
            mean = sum(Decimal(str(explicit[f"{d}_avg"])) for d in DIMS) / len(DIMS) if n else Decimal(0)
            score.owner_mean = ((mean * n + DEFAULT_SCORE * n_default) / (n + n_default)).quantize(PLACES)
        sector = SectorRating.objects.filter(firm_id=score.organisation_id).aggregate(n=Count("id"), avg=Avg("quality"))
        score.sector_count = sector["n"]
        score.sector_mean = Decimal(str(sector["avg"])).quantize(PLACES) if sector["n"] else None
        score.voided_count = counts["voided"]
        score.save(update_fields=["owner_mean", "sector_count", "sector_mean", "voided_count"])


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial"), ("credit", "0007_score_rating_inputs")]
    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
