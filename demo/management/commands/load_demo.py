"""Load the demo: one consistent history of the platform, made through its services.

The story runs over the last ten weeks or so of working days, in office hours: the firms
join and the bureau reviews them, owners publish (working days, 9:00–17:00, deadlines by
the rules), firms sign up and bid, draws run at their selection time, results are
confirmed, contracts signed, services delivered, accepted and rated; a winner declines, a
firm is removed for collusion, another suspended for overcharging (and appeals), a
contract is terminated for breach. Every step is a service call at its own moment: the
clock is moved with time-machine (`_Clock`), and each flow yields the moment of its next
step, so the steps of all flows run in time order (`_run`).

It ends at the last office moment before now, leaving a request in every state, each
with its owner (printed at the end, and in the README). Idempotent: a second run changes
nothing. The README's firm `ganzi` is never sanctioned (it earns a 红名单 record).
"""

from __future__ import annotations

import heapq
import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Region, User
from market.models import Entry, QualificationType, ServiceItem, ServiceRequest

DEMO_PASSWORD = "Yichun@2026"
S = ServiceRequest.Status


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% demo document\n", content_type="application/pdf")


class _Clock:
    """Working days counted back from the last office day (W0): `at(k, "10:30")` is 10:30 on
    the k-th working day before W0 (negative k: after it). W0 is today once 17:30 has
    passed on a working day, else the working day before, so every step of the story
    happened before now."""

    def __init__(self, now: datetime):
        from core.calendar import workday_is

        local = timezone.localtime(now)
        day = local.date()
        if not (workday_is(day) and local.time() >= time(17, 30)):
            day -= timedelta(days=1)
            while not workday_is(day):
                day -= timedelta(days=1)
        self.anchor = day
        self._days: dict[int, date] = {0: day}
        self._is = workday_is

    def day(self, k: int) -> date:
        """The k-th working day before W0 (k < 0: after it)."""
        if k not in self._days:
            if k > 0:
                current = self.day(k - 1) - timedelta(days=1)
                while not self._is(current):
                    current -= timedelta(days=1)
            else:
                current = self.day(k + 1) + timedelta(days=1)
                while not self._is(current):
                    current += timedelta(days=1)
            self._days[k] = current
        return self._days[k]

    def at(self, k: int, clock: str) -> datetime:
        hour, minute = (int(x) for x in clock.split(":"))
        return timezone.make_aware(datetime.combine(self.day(k), time(hour, minute)))


class Command(BaseCommand):
    help = "Load the demo data used by `make run`: one history made through the services (idempotent)."

    def handle(self, *args, **options):
        import time_machine

        from market import seed_data

        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo data already loaded")
            return
        self.clock = _Clock(timezone.now())
        self.seed = seed_data
        self.made: dict[str, ServiceRequest] = {}
        # One transaction: a failure leaves no half-loaded demo behind. The clock stands
        # still between steps (tick=False) and moves only forwards.
        with transaction.atomic(), time_machine.travel(self.clock.at(60, "08:30"), tick=False) as traveller:
            self.traveller = traveller
            self._run([self._people(), *self._flows()])
        for req in self.made.values():
            req.refresh_from_db()
        self.stdout.write(self.style.SUCCESS("demo data loaded"))
        for label, req in self.made.items():
            self.stdout.write(f"  {req.get_status_display():<6} {label}: {req.code} {req.title}（{req.owner.name}，"
                              f"{req.owner.users.first().username}）")

    # --- the scheduler --------------------------------------------------------------------

    def _run(self, flows) -> None:
        """Run every flow's steps in time order. A flow is a generator that yields the moment
        of its next step; the clock is moved there before the step runs."""
        queue: list = []
        for n, flow in enumerate(flows):
            first = next(flow, None)
            if first is not None:
                heapq.heappush(queue, (first, n, flow))
        now = None
        while queue:
            at, n, flow = heapq.heappop(queue)
            if now is not None and at < now:
                raise CommandError(f"demo step in the past: {at} < {now}")
            now = at
            self.traveller.move_to(at)
            following = next(flow, None)
            if following is not None:
                heapq.heappush(queue, (following, n, flow))

    def _sweep(self) -> None:
        """What the beat does every 30 seconds: move every due request on."""
        from market.services_requests import requests_sweep_due
        from ratings.services import ratings_sweep_due

        requests_sweep_due()
        ratings_sweep_due()

    # --- people: accounts, then entries through the services ----------------------------

    def _user(self, *, username: str, display_name: str, org: Organisation | None, superuser: bool = False) -> User:
        # Each demo organisation's one user is its administrator (adds and disables its users).
        user = User(username=username, display_name=display_name, organisation=org, email=(org.email if org else ""),
                    is_staff=superuser, is_superuser=superuser, is_org_admin=org is not None)
        if not hasattr(self, "_hash"):  # one hash for every demo user: PBKDF2 per user takes seconds
            self._hash = make_password(DEMO_PASSWORD)
        user.password = self._hash
        user.save()
        return user

    def _people(self):
        from market.services import entry_review

        seed, at = self.seed, self.clock.at
        yield at(52, "09:00")
        self._user(username="admin", display_name="平台管理员", org=None, superuser=True)
        for row in seed.DEMO_BUREAU:
            org, _ = Organisation.objects.get_or_create(
                kind=Organisation.Kind.BUREAU,
                name=row.get("org_name") or f"{Region.objects.get(code=row['region_code']).name}行政审批局",
                region_id=row["region_code"], defaults={"phone": "0795-12345"},
            )
            self._user(username=row["username"], display_name=row.get("display_name") or row["name"], org=org)
        for row in seed.DEMO_OWNERS:
            org = Organisation.objects.create(kind=Organisation.Kind.OWNER, name=row["name"], region_id=row["region_code"],
                                              contact_name=row.get("contact", ""), phone=row.get("phone", ""))
            self._user(username=row["username"], display_name=row.get("contact") or row["name"], org=org)
        types = {t.code: t for t in QualificationType.objects.all()}
        waiting = seed.DEMO_INTERMEDIARIES[-1]  # left for the bureau to review
        first = at(52, "09:05")
        for n, row in enumerate(seed.DEMO_INTERMEDIARIES[:-1]):
            yield first + timedelta(minutes=12 * n)
            self._firm_joins(row, types)
        yield at(51, "10:00")
        officer = User.objects.get(username="yc_xzspj")
        for row in seed.DEMO_INTERMEDIARIES[:-1]:
            entry_review(user=officer, entry_id=Entry.objects.get(organisation__uscc=row["uscc"]).pk, approve=True)
        yield at(1, "16:00")
        self._firm_joins(waiting, types)

    def _firm_joins(self, row: dict, types: dict) -> None:
        """A firm registers and submits its entry: licence, certificates with scans, staff."""
        from market.services import entry_save, entry_submit, qualification_add, staff_add

        # The firm's own county if it is one of Yichun's; firms from elsewhere are recorded
        # under the city (pages show their registered place, read from their code).
        division = row["uscc"][2:8]
        region = division if Region.objects.filter(code=division).exists() else "360900"
        org = Organisation.objects.create(kind=Organisation.Kind.INTERMEDIARY, name=f"{row['name']}（填写中）",
                                          region_id=region)
        user = self._user(username=row["username"], display_name=row.get("contact") or row["name"], org=org)
        entry_save(user=user, name=row["name"], uscc=row["uscc"], legal_rep=row.get("legal_rep", ""),
                   contact_name=row.get("contact", ""), phone=row.get("phone", ""), email=row.get("email", ""),
                   address=row.get("address", ""), business_scope=row.get("business_scope", ""),
                   region_code=region, licence=self._store(user, "营业执照.pdf"))
        for q in row.get("qualifications", []):
            if date.fromisoformat(q["valid_until"]) < timezone.localdate():
                continue  # a certificate that had lapsed before the firm joined is not registered
            qualification_add(user=user, qualification_type_id=types[q["type_code"]].pk, grade=q.get("grade", ""),
                              cert_no=q["cert_no"], valid_until=date.fromisoformat(q["valid_until"]),
                              scan=self._store(user, f"{types[q['type_code']].name}资质证书.pdf"))
        for s in row.get("staff", []):
            staff_add(user=user, name=s["name"], title=s["title"], cert_no=s.get("cert_no", ""))
        entry_submit(user=user, commitment_accepted=True)

    def _store(self, user, name: str):
        from accounts.services import document_store

        return document_store(upload=_pdf(name), organisation=user.organisation, user=user)

    # --- helpers of the flows -------------------------------------------------------------

    def _owner(self, username: str) -> User:
        return User.objects.select_related("organisation").get(username=username)

    def _firm_user(self, username: str) -> User:
        return User.objects.select_related("organisation").get(username=username)

    def _item(self, qualification: str) -> ServiceItem:
        item = ServiceItem.objects.filter(qualification_type__code=qualification, active=True).order_by("code").first()
        if item is None:
            raise CommandError(f"no catalogue item needs {qualification}")
        return item

    def _draft(self, owner: User, item: ServiceItem, *, title: str, method: str, ceiling: str, publish_day: int,
               window: int = 3, selection: str = "10:00", service_days: int = 30) -> ServiceRequest:
        """A draft whose sign-up ends at 17:00 `window` working days after `publish_day` and
        whose selection is the next working day at `selection`."""
        from market.services_requests import request_draft_save

        deadline = self.clock.at(publish_day - window, "17:00")
        scope = (f"承担{title}的{item.name}工作：按照{item.approval}的要求开展调查、分析和编制，"
                 f"提交{item.result_document}，并配合审批部门完成技术审查和修改完善。")
        return request_draft_save(user=owner, data={
            "service_item": item, "region": owner.organisation.region, "title": title, "scope": scope,
            "funding": ServiceRequest.Funding.FISCAL, "project_code": "",
            "ceiling": Decimal(ceiling), "floor": None, "method": method,
            "signup_deadline": deadline, "selection_at": self.clock.at(publish_day - window - 1, selection),
            "service_days": service_days, "auction_minutes": 10, "min_step": None, "allow_abnormally_low": False,
            "contact_name": owner.display_name, "contact_phone": owner.organisation.phone or "0795-3200000",
        })

    def _publish(self, req: ServiceRequest) -> ServiceRequest:
        from market.services_requests import request_publish

        return request_publish(request_id=req.pk, user=req.created_by)

    def _sign_up_all(self, req: ServiceRequest, *, least: int = 3, only: list[str] | None = None) -> list[User]:
        """Every eligible firm (or those named) signs up; a story needing `least` fails loudly."""
        from market.selectors import eligible_firms
        from market.services_requests import signup_create

        firms = list(eligible_firms(request=req).filter(users__isnull=False).distinct().order_by("pk"))
        if only is not None:
            firms = [f for f in firms if f.users.first().username in only]
        if len(firms) < least:
            raise CommandError(f"demo request {req.title}: {len(firms)} eligible firms, the story needs {least}")
        users = [f.users.first() for f in firms]
        for user in users:
            signup_create(request_id=req.pk, user=user)
        return users

    def _bid(self, req: ServiceRequest, user: User, amount: str) -> None:
        from bidding.models import Auction
        from bidding.services_auction import bid_place

        auction = Auction.objects.filter(request=req).order_by("-round").first()
        answer = bid_place(auction_id=auction.pk, user=user, amount=amount, client_id=uuid.uuid4())
        if not answer.accepted:
            raise CommandError(f"demo bid refused: {answer}")

    def _refresh(self, req: ServiceRequest) -> ServiceRequest:
        req.refresh_from_db()
        return req

    # --- the flows: each yields the moment of its next step -------------------------------

    def _flows(self):
        return [
            self._flow_declined_then_terminated(), self._flow_rated_auction(), self._flow_unsatisfied(),
            self._flow_default_rating(), self._flow_serving(), self._flow_delivered(), self._flow_accepted(),
            self._flow_contracting(), self._flow_publicity(), self._flow_objection(), self._flow_confirm_draw(),
            self._flow_confirm_auction(), self._flow_direct_pick(), self._flow_failed(), self._flow_cancelled(),
            self._flow_selecting(), self._flow_open(), self._flow_draft(), self._flow_credit(),
        ]

    def _through_contract(self, req: ServiceRequest, *, confirm_day: int, contract_day: int, amount_rate: str = "0.92"):
        """From awaiting confirmation to in service: confirm, publicity, both signed copies."""
        from market.services_results import contract_upload, request_confirm

        at = self.clock.at
        yield at(confirm_day, "09:40")
        request_confirm(request_id=req.pk, user=req.created_by)
        yield at(confirm_day - 4, "09:00")  # publicity (3 working days) is over
        self._sweep()
        yield at(contract_day, "10:30")
        req = self._refresh(req)
        from market.selectors import request_price

        amount = (request_price(req) * Decimal(amount_rate)).quantize(Decimal("1"))
        contract_upload(request_id=req.pk, user=req.created_by, document=_pdf("合同.pdf"), amount=str(amount))
        yield at(contract_day, "15:20")
        contract_upload(request_id=req.pk, user=req.selected_firm.users.first(), document=_pdf("合同（盖章）.pdf"),
                        amount=str(amount))

    def _drawn(self, label: str, owner: str, qualification: str, title: str, publish_day: int, ceiling: str,
               service_days: int = 30, only: list[str] | None = None):
        """Publish a draw at 9:30, sign up every eligible firm, close at the deadline, draw at
        the selection time. Yields its steps; leaves the request in `self.made[label]`."""
        at = self.clock.at
        yield at(publish_day, "09:30")
        req = self._publish(self._draft(self._owner(owner), self._item(qualification), title=title, method="draw",
                                        ceiling=ceiling, publish_day=publish_day, service_days=service_days))
        self.made[label] = req
        yield at(publish_day, "14:10")
        self._sign_up_all(req, only=only)
        yield at(publish_day - 3, "17:01")
        self._sweep()  # sign-up closes
        yield at(publish_day - 4, "10:00")
        self._sweep()  # the draw runs at its selection time
        self.made[label] = self._refresh(req)

    def _flow_declined_then_terminated(self):
        """An auction whose winner (楚安) declines: suspended; the next in line (赣雷)
        signs, runs late, and the owner has the contract terminated for breach."""
        from market.services_results import request_decline, termination_ask, termination_decide

        at = self.clock.at
        yield at(50, "09:30")
        owner = self._owner("fx_rmyy")
        req = self._publish(self._draft(owner, self._item("safety_assessment"), title="奉新县人民医院门诊楼改扩建工程安全预评价",
                                        method="auction", ceiling="86000.00", publish_day=50, selection="10:00"))
        self.made["已终止（中选机构放弃、递补后违约）"] = req
        yield at(50, "15:00")
        bidders = {u.username: u for u in self._sign_up_all(req, only=["ganan", "chuan", "ganlei"])}
        yield at(47, "17:01")
        self._sweep()
        yield at(46, "10:00")
        self._sweep()  # the auction starts
        yield at(46, "10:02")
        self._bid(req, bidders["ganan"], "84000.00")
        yield at(46, "10:03")
        self._bid(req, bidders["ganlei"], "81500.00")
        yield at(46, "10:05")
        self._bid(req, bidders["chuan"], "79800.00")
        yield at(46, "10:11")
        self._sweep()  # closed: 楚安 lowest
        yield at(45, "11:20")
        request_decline(request_id=req.pk, user=bidders["chuan"], reason="项目负责人离职，无法按期组织评价人员。")
        yield from self._through_contract(req, confirm_day=44, contract_day=38)
        yield at(8, "09:10")
        self._sweep()  # the service period passed without a result: overdue warning
        yield at(7, "10:00")
        ask = termination_ask(request_id=req.pk, user=owner, reason="中介机构超过服务期限未提交评价报告，经两次书面催告仍未履行。",
                              evidence=_pdf("催告函.pdf"))
        yield at(5, "15:30")
        termination_decide(termination_id=ask.pk, user=self._owner("yc_xzspj"), grant=True,
                           answer="经核查，中介机构逾期未履行合同属实，同意终止合同。")

    def _flow_rated_auction(self):
        """赣咨 wins an auction, serves, is rated 满意 by the owner and the sector; it rates the owner."""
        from market.services_results import request_accept, result_deliver
        from ratings.services import rating_submit_firm, rating_submit_owner, sector_rating_submit

        at = self.clock.at
        yield at(44, "09:30")
        owner = self._owner("yc_jtj")
        req = self._publish(self._draft(owner, self._item("traffic_impact"), title="宜春至万载公路改建工程交通影响评价",
                                        method="auction", ceiling="120000.00", publish_day=44, service_days=30))
        self.made["已评价（竞价，满意）"] = req
        yield at(44, "11:00")
        bidders = {u.username: u for u in self._sign_up_all(req)}
        yield at(41, "17:01")
        self._sweep()
        yield at(40, "10:00")
        self._sweep()
        yield at(40, "10:01")
        others = [u for name, u in bidders.items() if name != "ganzi"]
        self._bid(req, others[0], "116000.00")
        yield at(40, "10:03")
        self._bid(req, others[1], "112500.00")
        yield at(40, "10:06")
        self._bid(req, bidders["ganzi"], "108000.00")
        yield at(40, "10:11")
        self._sweep()
        yield from self._through_contract(req, confirm_day=39, contract_day=33, amount_rate="1")
        yield at(20, "16:00")
        result_deliver(request_id=req.pk, user=bidders["ganzi"], document=_pdf("交通影响评价报告.pdf"))
        yield at(19, "09:30")
        request_accept(request_id=req.pk, user=owner, comment="报告经专家评审一次通过。")
        yield at(18, "10:15")
        rating_submit_owner(user=owner, request_id=req.pk, overall="satisfied", comment="报告编制规范，审查一次通过，响应及时。",
                            scores={"quality": 5, "timeliness": 5, "attitude": 5, "fees": 4, "conduct": 5})
        yield at(17, "14:00")
        sector_rating_submit(user=self._owner("yc_xzspj"), request_id=req.pk, quality=5, comment="成果内容完整，结论可靠。")
        rating_submit_firm(user=bidders["ganzi"], request_id=req.pk, overall="satisfied", comment="业主资料提供及时。",
                           scores={"cooperation": 5, "payment": 4, "clarity": 5})

    def _flow_unsatisfied(self):
        """A draw; the result is late and rated 不满意; the firm disputes the rating."""
        from market.services_results import request_accept, result_deliver
        from ratings.services import rating_dispute_file, rating_submit_owner

        at = self.clock.at
        yield from self._drawn("已评价（不满意，异议待答复）", "ga_ctjt", "cost_consulting",
                               "高安市城东片区棚户区改造项目工程造价咨询", 40, "98000.00")
        req = self.made["已评价（不满意，异议待答复）"]
        yield from self._through_contract(req, confirm_day=35, contract_day=29)
        yield at(14, "16:30")
        result_deliver(request_id=req.pk, user=self._refresh(req).selected_firm.users.first(), document=_pdf("造价咨询报告.pdf"))
        yield at(13, "10:00")
        request_accept(request_id=req.pk, user=req.created_by)
        yield at(12, "11:00")
        rating = rating_submit_owner(user=req.created_by, request_id=req.pk, overall="unsatisfied",
                                     comment="成果两次退回修改，主要数据与现场不符。",
                                     scores={"quality": 2, "timeliness": 1, "attitude": 3, "fees": 3, "conduct": 2})
        yield at(9, "15:00")
        rating_dispute_file(user=req.selected_firm.users.first(), rating_id=rating.pk,
                            reason="延期系业主补充测绘资料迟交所致，有往来函件为证。")

    def _flow_default_rating(self):
        """Accepted more than 15 days ago and never rated: the platform records 满意 (default)."""
        from market.services_results import request_accept, result_deliver
        from ratings.selectors import rating_due

        at = self.clock.at
        yield from self._drawn("已评价（逾期默认满意）", "sg_zjj", "engineering_design", "上高县工业园区标准厂房工程设计",
                               42, "150000.00")
        req = self.made["已评价（逾期默认满意）"]
        yield from self._through_contract(req, confirm_day=37, contract_day=31)
        yield at(26, "10:00")
        result_deliver(request_id=req.pk, user=self._refresh(req).selected_firm.users.first(), document=_pdf("设计文件.pdf"))
        yield at(25, "09:45")
        request_accept(request_id=req.pk, user=req.created_by)
        due = rating_due(self._refresh(req))
        yield max(due + timedelta(minutes=1), at(10, "09:00"))
        self._sweep()

    def _flow_serving(self):
        yield from self._drawn("服务中", "zs_zrzyj", "engineering_survey", "樟树市城区污水管网完善工程工程勘察", 30,
                               "135000.00", service_days=60)
        req = self.made["服务中"]
        yield from self._through_contract(req, confirm_day=25, contract_day=19)

    def _flow_delivered(self):
        from market.services_results import result_deliver

        yield from self._drawn("已交付（待验收）", "mys_gwh", "heritage_design", "明月山温泉景区游客中心文物保护工程设计",
                               26, "88000.00", service_days=30)
        req = self.made["已交付（待验收）"]
        yield from self._through_contract(req, confirm_day=21, contract_day=15)
        yield self.clock.at(2, "16:00")
        result_deliver(request_id=req.pk, user=self._refresh(req).selected_firm.users.first(), document=_pdf("设计成果.pdf"))

    def _flow_accepted(self):
        from market.services_results import request_accept, result_deliver

        at = self.clock.at
        yield from self._drawn("已验收（待评价）", "ycjk_liyuan", "urban_planning", "宜春经开区锂电新材料产业园规划设计",
                               28, "126000.00")
        req = self.made["已验收（待评价）"]
        yield from self._through_contract(req, confirm_day=23, contract_day=17)
        yield at(5, "10:00")
        result_deliver(request_id=req.pk, user=self._refresh(req).selected_firm.users.first(), document=_pdf("规划成果.pdf"))
        yield at(3, "10:20")
        request_accept(request_id=req.pk, user=req.created_by, comment="成果符合任务书要求。")

    def _flow_contracting(self):
        from market.services_results import request_confirm

        at = self.clock.at
        yield from self._drawn("合同签订（待业主上传合同）", "wz_slj", "surveying_mapping", "万载县有机农业产业园配套道路测绘",
                               12, "68000.00")
        req = self.made["合同签订（待业主上传合同）"]
        yield at(7, "09:40")
        request_confirm(request_id=req.pk, user=req.created_by)
        yield at(3, "09:00")
        self._sweep()  # publicity over

    def _flow_publicity(self):
        from market.services_results import request_confirm

        yield from self._drawn("结果公示", "zs_zrzyj", "geohazard", "樟树市城市防洪堤加固工程地质灾害危险性评估", 7,
                               "76000.00")
        req = self.made["结果公示"]
        yield self.clock.at(2, "09:40")
        request_confirm(request_id=req.pk, user=req.created_by)

    def _flow_objection(self):
        from market.services_results import objection_lodge, request_confirm

        at = self.clock.at
        yield from self._drawn("质疑处理中", "ga_ctjt", "engineering_survey", "高安市锦江大桥拓宽工程工程勘察", 7, "142000.00")
        req = self.made["质疑处理中"]
        yield at(2, "10:10")
        request_confirm(request_id=req.pk, user=req.created_by)
        yield at(1, "15:00")
        req = self._refresh(req)
        objector = req.signups.exclude(organisation=req.selected_firm).order_by("pk").first().organisation
        objection_lodge(request_id=req.pk, user=objector.users.first(), reason="中选机构项目负责人执业资格存疑，请予核查。",
                        attachment=_pdf("质疑材料.pdf"))

    def _flow_confirm_draw(self):
        """A draw whose registrant (湘环) was suspended between sign-up and the draw: left
        out of the pool with the reason. Waits for the owner's confirmation."""
        yield from self._drawn("待确认结果（随机选取，一家报名机构被排除）", "wz_slj", "water_consulting",
                               "万载县株潭镇农村供水工程水资源论证", 5, "58000.00")

    def _flow_confirm_auction(self):
        at = self.clock.at
        yield at(5, "10:00")
        owner = self._owner("fc_jszx")
        req = self._publish(self._draft(owner, self._item("social_stability"), title="丰城市剑声中学综合楼建设项目社会稳定风险评估",
                                        method="auction", ceiling="45000.00", publish_day=5, selection="14:00"))
        self.made["待确认结果（竞价）"] = req
        yield at(5, "16:00")
        bidders = self._sign_up_all(req)
        yield at(2, "17:01")
        self._sweep()
        yield at(1, "14:00")
        self._sweep()
        for n, (user, amount) in enumerate(zip(bidders, ("44000.00", "42800.00", "41500.00"))):
            yield at(1, f"14:0{2 + n}")
            self._bid(req, user, amount)
        yield at(1, "14:11")
        self._sweep()

    def _flow_direct_pick(self):
        """Two failed rounds (too few qualified firms), then the owner picks directly."""
        from bidding.services_direct import request_direct_pick
        from market.services_requests import request_republish

        at = self.clock.at
        yield at(11, "09:30")
        owner = self._owner("fx_rmyy")
        req = self._publish(self._draft(owner, self._item("lightning_testing"), title="奉新县人民医院综合楼防雷装置检测",
                                        method="draw", ceiling="18000.00", publish_day=11))
        self.made["待确认结果（两次流标后直接选取）"] = req
        yield at(11, "15:00")
        self._sign_up_all(req, least=1)
        yield at(8, "17:01")
        self._sweep()  # failed: too few registrants
        yield at(7, "09:30")
        request_republish(request_id=req.pk, user=owner, signup_deadline=at(4, "17:00"), selection_at=at(3, "10:00"))
        yield at(7, "14:00")
        self._sign_up_all(req, least=1)
        yield at(4, "17:01")
        self._sweep()  # failed again
        yield at(1, "10:00")
        firm = self._refresh(req).signups.filter(round=req.publish_count).order_by("pk").first().organisation
        request_direct_pick(request_id=req.pk, user=owner, firm_id=firm.pk,
                            reason="两次流标，检测须在雷雨季前完成，该机构为唯一报名机构且同类项目经验丰富。")

    def _flow_failed(self):
        at = self.clock.at
        yield at(9, "10:30")
        owner = self._owner("mys_gwh")
        req = self._publish(self._draft(owner, self._item("radiation_health"), title="明月山医院放射诊疗建设项目职业病危害放射防护预评价",
                                        method="draw", ceiling="32000.00", publish_day=9))
        self.made["流标"] = req
        yield at(9, "15:00")
        self._sign_up_all(req, least=0)
        yield at(6, "17:01")
        self._sweep()

    def _flow_cancelled(self):
        from market.services_requests import request_cancel

        at = self.clock.at
        yield at(5, "09:30")
        owner = self._owner("ycjk_liyuan")
        req = self._publish(self._draft(owner, self._item("energy_assessment"), title="宜春经开区锂电池回收利用项目节能报告编制",
                                        method="draw", ceiling="52000.00", publish_day=5))
        self.made["已取消"] = req
        yield at(4, "11:00")
        request_cancel(request_id=req.pk, user=owner, reason="项目立项调整，暂停实施。")

    def _flow_selecting(self):
        """Sign-up closed today with enough registrants: the draw and the auction are due
        on the next working day (the auction room shows 未开始)."""
        at = self.clock.at
        yield at(3, "09:30")
        draw = self._publish(self._draft(self._owner("zs_zrzyj"), self._item("asset_appraisal"),
                                         title="樟树市国有土地使用权出让资产评估", method="draw", ceiling="36000.00",
                                         publish_day=3))
        self.made["选取中（随机选取）"] = draw
        yield at(3, "09:50")
        auction = self._publish(self._draft(self._owner("yc_jtj"), self._item("traffic_impact"),
                                            title="宜春市中心城区快速路交通影响评价", method="auction", ceiling="95000.00",
                                            publish_day=3))
        self.made["选取中（竞价待开始）"] = auction
        yield at(2, "10:30")
        self._sign_up_all(draw)
        self._sign_up_all(auction)
        yield at(0, "17:01")
        self._sweep()

    def _flow_open(self):
        """Sign-up open: published in the last days, deadlines after now."""
        at = self.clock.at
        rows = [("yc_jtj", "engineering_consulting", "宜春市袁州大道改造工程项目建议书编制", "draw", 1, 1),
                ("ga_ctjt", "cost_consulting", "高安市城市棚改安置房项目全过程造价咨询", "auction", 1, 2),
                ("fc_jszx", "surveying_mapping", "丰城市第三中学综合楼建设项目房产测绘", "draw", 0, 1)]
        from market.selectors import eligible_firms
        from market.services_requests import signup_create

        made = []
        for n, (owner, qualification, title, method, day, signups) in enumerate(rows):
            yield at(day, f"10:{20 * (n % 2):02d}")
            req = self._publish(self._draft(self._owner(owner), self._item(qualification), title=title, method=method,
                                            ceiling="80000.00", publish_day=day))
            self.made[f"报名中（{'竞价' if method == 'auction' else '随机选取'}，{n + 1}）"] = req
            made.append((req, day, signups))
            if n == 1 or n == len(rows) - 1:  # the day's afternoon: firms sign up
                yield at(day, "15:30")
                for req_, _day, count in made:
                    for firm in list(eligible_firms(request=req_).filter(users__isnull=False).distinct()
                                     .order_by("pk"))[:count]:
                        signup_create(request_id=req_.pk, user=firm.users.first())
                made = []

    def _flow_draft(self):
        yield self.clock.at(0, "16:10")
        req = self._draft(self._owner("yc_jtj"), self._item("eia"), title="宜春市袁州区垃圾中转站建设项目环境影响评价",
                          method="draw", ceiling="60000.00", publish_day=-1)
        self.made["草稿"] = req

    def _flow_credit(self):
        """The bureau's credit records: a removal for collusion (a firm that bid with two
        others), a suspension for overcharging issued by a county and appealed, and a red
        list record for the README's firm."""
        from credit.services import credit_appeal_file, credit_event_issue

        at = self.clock.at
        yield at(42, "15:00")
        city, county = self._owner("yc_xzspj"), self._owner("zs_xzspj")
        credit_event_issue(user=city, organisation_id=self._firm_user("ganan").organisation_id, kind="collusion",
                           description="在奉新县人民医院门诊楼改扩建工程安全预评价竞价中与他人串通报价，经调查属实。",
                           evidence=self._store(city, "调查报告.pdf"))
        yield at(4, "10:00")
        suspension = credit_event_issue(
            user=county, organisation_id=self._firm_user("xianghuan").organisation_id, kind="overcharging",
            description="在樟树市某项目中超出合同约定收取加急费2.4万元。", evidence=self._store(county, "处理决定书.pdf"))
        yield at(3, "15:00")
        credit_appeal_file(user=self._firm_user("xianghuan"), event_id=suspension.pk,
                           reason="加急费系业主书面要求提前交付而增加，附补充协议。")
        yield at(2, "11:00")
        credit_event_issue(user=city, organisation_id=self._firm_user("ganzi").organisation_id, kind="red_list",
                           description="年度服务质量考核优秀，无投诉。", evidence=self._store(city, "年度考核通报.pdf"))
