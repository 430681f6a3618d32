"""Schedule a live demo auction that starts two minutes from now (used by `make run`).

Each start-up gets a fresh auction: a request of the first demo owner, published, with
three demo intermediaries signed up; sign-up is closed at once (demo only) and the auction
is scheduled for now + --start-in seconds. Prints the room's address and the bidders' logins,
so a newcomer can open two browsers and bid against themself.
"""

from datetime import timedelta
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Organisation, User


class Command(BaseCommand):
    help = "Schedule a live demo auction starting soon and print the bidders' logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--start-in", type=int, default=120, help="seconds until the auction starts")
        parser.add_argument("--minutes", type=int, default=10)

    def handle(self, *args, url, start_in, minutes, **options):
        from bidding.methods import AUCTION
        from bidding.models import Auction
        from core.calendar import workday_shift
        from demo.management.commands.load_demo import DEMO_PASSWORD
        from market.models import ServiceItem, ServiceRequest
        from market.selectors import eligible_firms
        from market.services_requests import (
            request_close_signup,
            request_draft_save,
            request_publish,
            signup_create,
        )

        owner = User.objects.filter(organisation__kind=Organisation.Kind.OWNER).order_by("pk").first()
        if owner is None:
            raise CommandError("no demo data: run `manage.py load_demo` first")
        now = timezone.now()
        item = None
        for candidate in ServiceItem.objects.filter(qualification_type__isnull=False, active=True).order_by("code"):
            probe = ServiceRequest(service_item=candidate, region=owner.organisation.region)
            probe.pk = 0
            if eligible_firms(request=probe).filter(users__isnull=False).distinct().count() >= 3:
                item = candidate
                break
        if item is None:
            raise CommandError("no service item with three qualified demo intermediaries")
        deadline = workday_shift(now, 4)
        req = request_draft_save(user=owner, data={
            "service_item": item, "region": owner.organisation.region,
            "title": f"【演示竞价】宜春市中心城区道路提升工程{item.name}",
            "scope": f"承担道路提升工程的{item.name}工作，提交{item.result_document}。",
            "funding": ServiceRequest.Funding.FISCAL, "project_code": "", "ceiling": Decimal("100000.00"),
            "floor": None, "method": AUCTION, "signup_deadline": deadline,
            "selection_at": workday_shift(deadline, 1), "service_days": 30, "auction_minutes": minutes,
            "min_step": Decimal("500.00"), "allow_abnormally_low": False,
            "contact_name": owner.display_name, "contact_phone": owner.organisation.phone or "0795-3200000",
        })
        req = request_publish(request_id=req.pk, user=owner)
        firms = list(eligible_firms(request=req).filter(users__isnull=False).distinct().order_by("pk")[:3])
        bidders = []
        for org in firms:
            user = org.users.order_by("pk").first()
            signup_create(request_id=req.pk, user=user)
            bidders.append(user)
        # Demo only: sign-up "closed" a second ago; the auction starts in `start_in` seconds.
        ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(seconds=1),
                                                        selection_at=now + timedelta(seconds=start_in))
        request_close_signup(request_id=req.pk)
        auction = Auction.objects.filter(request=req).first()
        if auction is None:
            raise CommandError("the demo auction could not be scheduled")
        starts = timezone.localtime(auction.starts_at)
        self.stdout.write("")
        self.stdout.write(f"网上竞价演示 live auction demo: {url}/requests/{req.code}/auction/")
        self.stdout.write(f"  starts {starts:%H:%M:%S} (in {start_in // 60} min {start_in % 60} s), lasts {minutes} min;"
                          f" ceiling 100000.00, step 500.00; password {DEMO_PASSWORD}")
        for user in bidders:
            self.stdout.write(f"  竞价人 bidder  {user.username:<20} {user.organisation.name}")
        self.stdout.write(f"  观看 watch as the owner: {owner.username}")
