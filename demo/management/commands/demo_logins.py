"""Print where to log in as each role (used by `make run`)."""

from django.core.management.base import BaseCommand

from accounts.models import Organisation, User
from demo.management.commands.load_demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the platform's address and one demo login per role."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args, url, **options):
        def first(kind: str, **extra) -> User | None:
            return User.objects.filter(organisation__kind=kind, **extra).select_related("organisation").order_by("pk").first()

        rows = [
            ("项目业主 owner", first(Organisation.Kind.OWNER)),
            ("中介机构 intermediary", first(Organisation.Kind.INTERMEDIARY, organisation__entry__status="approved")),
            ("中介机构（第二家）", User.objects.filter(organisation__kind="intermediary", organisation__entry__status="approved").order_by("pk")[1:2].first()),
            ("行政审批局（市级）bureau", first(Organisation.Kind.BUREAU, organisation__region__level="city")),
            ("行政审批局（县级）", first(Organisation.Kind.BUREAU, organisation__region__level="county")),
            ("后台管理 admin", User.objects.filter(username="admin").first()),
        ]
        self.stdout.write("")
        self.stdout.write(f"宜春市网上中介服务超市 is running at {url}/")
        self.stdout.write(f"Log in at {url}/accounts/login/ — every demo password is {DEMO_PASSWORD}")
        for label, user in rows:
            if user is not None:
                org = user.organisation.name if user.organisation_id else "—"
                self.stdout.write(f"  {label:<28} {user.username:<20} {org}")
        self.stdout.write(f"Health: {url}/healthz   API schema: {url}/api/v1/schema/   Admin: {url}/admin/")
