"""Each request's counted ratings on its statistics facts, so the ratings figure reads one
table; the rows already there are filled from the ratings (voided ones do not count)."""

from collections import defaultdict

from django.db import migrations, models

CHUNK = 1000


def fill(apps, schema_editor):
    Rating = apps.get_model("ratings", "Rating")
    RequestStat = apps.get_model("supervision", "RequestStat")
    groups = defaultdict(list)  # (side, overall, is_default) -> request ids
    for request_id, side, overall, is_default in (Rating.objects.exclude(status="voided")
                                                  .values_list("request_id", "side", "overall", "is_default")
                                                  .iterator()):
        groups[(side, overall, is_default)].append(request_id)
    for (side, overall, is_default), ids in groups.items():
        values = ({"rating_owner": overall, "rating_owner_default": is_default} if side == "owner"
                  else {"rating_firm": overall})
        for start in range(0, len(ids), CHUNK):
            RequestStat.objects.filter(request_id__in=ids[start:start + CHUNK]).update(**values)


class Migration(migrations.Migration):

    dependencies = [
        ("ratings", "0003_written_answer"),
        ("supervision", "0005_digest"),
    ]

    operations = [
        migrations.AddField(
            model_name="requeststat",
            name="rating_firm",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
        migrations.AddField(
            model_name="requeststat",
            name="rating_owner",
            field=models.CharField(blank=True, default="", max_length=12),
        ),
        migrations.AddField(
            model_name="requeststat",
            name="rating_owner_default",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
