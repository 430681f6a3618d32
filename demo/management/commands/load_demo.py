"""Load realistic demo data: bureau staff, owners, intermediaries and requests in every
state the platform reaches. Idempotent: running it twice changes nothing."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation, Region, User
from market.models import (
    Entry,
    Qualification,
    QualificationType,
    ServiceItem,
    ServiceRequest,
    StaffMember,
)

DEMO_PASSWORD = "Yichun@2026"


class Command(BaseCommand):
    help = "Load the demo data used by `make run` (idempotent)."

    def handle(self, *args, **options):
        from market import seed_data

        if User.objects.filter(username="admin").exists():
            self.stdout.write("demo data already loaded")
            return
        # One transaction: a failure leaves no half-loaded demo behind.
        with transaction.atomic():
            self._people(seed_data)
            self._requests(seed_data)
        self.stdout.write(self.style.SUCCESS("demo data loaded"))

    # --- organisations and users -----------------------------------------------------

    def _user(self, *, username: str, display_name: str, org: Organisation | None, superuser: bool = False) -> User:
        user = User(username=username, display_name=display_name, organisation=org, email=(org.email if org else ""),
                    is_staff=superuser, is_superuser=superuser)
        # One hash for every demo user: PBKDF2 per user would take seconds.
        if not hasattr(self, "_hash"):
            self._hash = make_password(DEMO_PASSWORD)
        user.password = self._hash
        user.save()
        return user

    def _people(self, seed) -> None:
        self._user(username="admin", display_name="平台管理员", org=None, superuser=True)
        for row in seed.DEMO_BUREAU:
            org, _ = Organisation.objects.get_or_create(
                kind=Organisation.Kind.BUREAU, name=row.get("org_name") or f"{Region.objects.get(code=row['region_code']).name}行政审批局",
                region_id=row["region_code"], defaults={"phone": "0795-12345"},
            )
            self._user(username=row["username"], display_name=row.get("display_name") or row["name"], org=org)
        for row in seed.DEMO_OWNERS:
            org = Organisation.objects.create(kind=Organisation.Kind.OWNER, name=row["name"], region_id=row["region_code"],
                                              contact_name=row.get("contact", ""), phone=row.get("phone", ""))
            self._user(username=row["username"], display_name=row.get("contact") or row["name"], org=org)
        types = {t.code: t for t in QualificationType.objects.all()}
        now = timezone.now()
        for index, row in enumerate(seed.DEMO_INTERMEDIARIES):
            region_code = row.get("region_code") or "360900"
            if not Region.objects.filter(code=region_code).exists():
                region_code = "360900"
            org = Organisation.objects.create(
                kind=Organisation.Kind.INTERMEDIARY, name=row["name"], uscc=row["uscc"], region_id=region_code,
                contact_name=row.get("contact", ""), phone=row.get("phone", ""), email=row.get("email", ""),
            )
            self._user(username=row["username"], display_name=row.get("contact") or row["name"], org=org)
            entry = Entry.objects.create(organisation=org, legal_rep=row.get("legal_rep", ""))
            # The last firm is left waiting for review, so the bureau has work to do.
            if index < len(seed.DEMO_INTERMEDIARIES) - 1:
                entry.commitment_accepted_at = now
                entry.submit(at=now)
                entry.approve(by=None, at=now)
            else:
                entry.commitment_accepted_at = now
                entry.submit(at=now)
            entry.save()
            for q in row.get("qualifications", []):
                Qualification.objects.create(
                    organisation=org, qualification_type=types[q["type_code"]], grade=q.get("grade", ""),
                    cert_no=q["cert_no"], valid_until=date.fromisoformat(q["valid_until"]),
                )
            for s in row.get("staff", []):
                StaffMember.objects.create(organisation=org, name=s["name"], title=s["title"], cert_no=s.get("cert_no", ""))

    # --- requests in every state --------------------------------------------------------

    def _requests(self, seed) -> None:
        from core.calendar import workday_shift
        from market.selectors import eligible_firms
        from market.services_requests import (
            request_cancel,
            request_close_signup,
            request_draft_save,
            request_publish,
            signup_create,
        )

        owners = list(User.objects.filter(organisation__kind=Organisation.Kind.OWNER).order_by("pk"))
        items = list(ServiceItem.objects.filter(qualification_type__isnull=False).order_by("code"))
        now = timezone.now()
        titles = [
            ("宜春至万载公路改建工程", "环境影响报告表编制"), ("樟树市城区污水管网完善工程", "水土保持方案编制"),
            ("丰城市第三中学综合楼建设项目", "工程勘察"), ("高安市城东片区棚户区改造项目", "房产测绘"),
            ("奉新县人民医院门诊楼改扩建工程", "安全预评价"), ("宜春经开区锂电新材料产业园", "节能报告编制"),
            ("靖安县中源乡农村供水工程", "水资源论证"), ("铜鼓县城市防洪堤加固工程", "洪水影响评价"),
            ("上高县工业园区标准厂房", "施工图审查"), ("宜丰县全域土地综合整治项目", "土地勘测定界"),
            ("万载县有机农业产业园配套道路", "工程造价咨询"), ("明月山温泉景区游客中心", "地质灾害危险性评估"),
        ]

        def draft(i: int, method: str, *, ceiling: str = "120000.00", item: ServiceItem | None = None) -> ServiceRequest:
            owner = owners[i % len(owners)]
            item = item or items[i % len(items)]
            deadline = workday_shift(now, 4 + i % 3)
            title, suffix = titles[i % len(titles)]
            return request_draft_save(user=owner, data={
                "service_item": item, "region": owner.organisation.region, "title": f"{title}{item.name}",
                "scope": f"按照《{item.legal_basis[:30]}》等规定，承担{title}的{item.name}工作，提交{item.result_document}。",
                "funding": ServiceRequest.Funding.FISCAL if i % 2 == 0 else ServiceRequest.Funding.OWN,
                "project_code": f"2026-{owner.organisation.region_id}-48-01-{100000 + i:06d}",
                "ceiling": Decimal(ceiling), "floor": None, "method": method,
                "signup_deadline": deadline, "selection_at": workday_shift(deadline, 1), "service_days": 30 + 15 * (i % 4),
                "auction_minutes": 10, "min_step": None, "allow_abnormally_low": False,
                "contact_name": owner.display_name, "contact_phone": owner.organisation.phone or "0795-3200000",
            })

        def publish(req: ServiceRequest) -> ServiceRequest:
            return request_publish(request_id=req.pk, user=req.created_by)

        def sign_up(req: ServiceRequest, n: int) -> None:
            firms = list(eligible_firms(request=req).order_by("pk")[:n])
            for org in firms:
                signup_create(request_id=req.pk, user=org.users.first())

        def close(req: ServiceRequest) -> None:
            # Demo only: pretend the sign-up deadline passed an hour ago.
            ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=1),
                                                            selection_at=now + timedelta(hours=1))
            request_close_signup(request_id=req.pk)

        draft(0, "draw")                          # 草稿
        for i in (1, 2, 3):                       # 报名中, with some sign-ups
            req = publish(draft(i, "draw" if i != 3 else "auction"))
            sign_up(req, i)
        req = publish(draft(4, "draw"))           # 选取中: enough sign-ups, deadline passed
        sign_up(req, 4)
        close(req)
        req = publish(draft(5, "draw"))           # 流标: too few
        sign_up(req, 1)
        close(req)
        req = publish(draft(6, "draw"))           # 已取消
        request_cancel(request_id=req.pk, user=req.created_by, reason="项目立项调整，暂停实施。")
        self._draws(draft=draft, publish=publish, sign_up=sign_up, now=now)
        self._lifecycle(draft=draft, publish=publish, sign_up=sign_up, now=now)
        self._ratings_and_credit(draft=draft, publish=publish, now=now)

    def _draws(self, *, draft, publish, sign_up, now) -> None:
        """Three completed random draws (待确认结果), one with a registrant excluded at draw
        time, so a newcomer can open /requests/<code>/draw/ and verify at once."""
        from bidding.services_draw import draw_run
        from credit.services import credit_event_raise
        from market.selectors import qualifying_certificates
        from market.services_requests import request_close_signup

        today = timezone.localdate(now)
        roomy = [
            item for item in ServiceItem.objects.filter(qualification_type__isnull=False, active=True).order_by("code")
            if qualifying_certificates(item=item, on=today)
            .filter(organisation__entry__status=Entry.Status.APPROVED).values("organisation").distinct().count() >= 4
        ]
        for n, (i, item) in enumerate(zip((7, 8, 9), roomy)):
            req = publish(draft(i, "draw", item=item))
            sign_up(req, 4)
            # Demo only: pretend sign-up closed three hours ago and selection was due an hour ago.
            ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=3),
                                                            selection_at=now - timedelta(hours=1))
            request_close_signup(request_id=req.pk)
            if n == 0:
                # A registrant sanctioned between sign-up and draw is left out of the pool.
                late = req.signups.order_by("pk").first().organisation
                # Through the service, so the event carries the sanction table's points.
                credit_event_raise(
                    organisation_id=late.pk, kind="declined", cause_key=f"demo-declined:{late.pk}",
                    region_id="360900", description="在其他项目中选后无正当理由放弃。",
                    at=now - timedelta(minutes=90),
                )
            draw_run(request_id=req.pk)

    def _lifecycle(self, *, draft, publish, sign_up, now) -> None:
        """Requests in every state after selection, reached through the services: 公示中,
        质疑处理中, 合同签订, 服务中, 已交付, 已验收, 已终止, and a direct pick after two
        failures. Only deadlines are moved (QuerySet.update), as if time had passed."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from bidding.services_direct import direct_pick_policy_set, request_direct_pick
        from bidding.services_draw import draw_run
        from core.calendar import workday_shift
        from market.models import DirectPickPolicy
        from market.selectors import qualifying_certificates
        from market.services_requests import request_close_signup, request_republish
        from market.services_results import (
            contract_upload,
            objection_lodge,
            publicity_end,
            request_accept,
            request_confirm,
            result_deliver,
            termination_ask,
            termination_decide,
        )

        officer = User.objects.get(username="yc_xzspj")
        today = timezone.localdate(now)

        def pdf(name: str) -> SimpleUploadedFile:
            return SimpleUploadedFile(name, b"%PDF-1.4\n% demo document\n", content_type="application/pdf")

        roomy = [
            item for item in ServiceItem.objects.filter(qualification_type__isnull=False, active=True).order_by("code")
            if qualifying_certificates(item=item, on=today)
            .filter(organisation__entry__status=Entry.Status.APPROVED).values("organisation").distinct().count() >= 4
        ]

        def drawn(i: int) -> ServiceRequest:
            req = publish(draft(i, "draw", item=roomy[i % len(roomy)]))
            sign_up(req, 4)
            ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=3),
                                                            selection_at=now - timedelta(hours=1))
            request_close_signup(request_id=req.pk)
            draw_run(request_id=req.pk)
            req.refresh_from_db()
            return req

        def confirmed(i: int) -> ServiceRequest:
            req = drawn(i)
            return request_confirm(request_id=req.pk, user=req.created_by)

        def contracting(i: int) -> ServiceRequest:
            req = confirmed(i)
            ServiceRequest.objects.filter(pk=req.pk).update(publicity_ends_at=now - timedelta(minutes=5))
            return publicity_end(request_id=req.pk)

        def serving(i: int) -> ServiceRequest:
            req = contracting(i)
            amount = (req.ceiling * Decimal("0.9")).quantize(Decimal("0.01"))
            contract_upload(request_id=req.pk, user=req.created_by, document=pdf("合同.pdf"), amount=amount)
            return contract_upload(request_id=req.pk, user=req.selected_firm.users.first(),
                                   document=pdf("合同（盖章）.pdf"), amount=amount)

        def delivered(i: int) -> ServiceRequest:
            req = serving(i)
            return result_deliver(request_id=req.pk, user=req.selected_firm.users.first(), document=pdf("成果文件.pdf"))

        confirmed(10)                                                   # 结果公示
        req = confirmed(11)                                             # 质疑处理中
        objector = req.signups.exclude(organisation=req.selected_firm).order_by("pk").first().organisation
        objection_lodge(request_id=req.pk, user=objector.users.first(), reason="中选机构项目负责人执业资格存疑。",
                        attachment=pdf("质疑材料.pdf"))
        contracting(12)                                                 # 合同签订
        serving(13)                                                     # 服务中
        delivered(14)                                                   # 已交付
        req = delivered(15)                                             # 已验收
        request_accept(request_id=req.pk, user=req.created_by)
        req = serving(16)                                               # 已终止
        ask = termination_ask(request_id=req.pk, user=req.created_by, reason="中介机构超过服务期限未提交成果，经催告仍未履行。",
                              evidence=pdf("催告函.pdf"))
        termination_decide(termination_id=ask.pk, user=officer, grant=True, answer="经核查违约属实，同意终止合同。")

        # A direct pick after the second failure (流标), flagged for supervision.
        req = publish(draft(17, "draw", item=roomy[0]))
        for round_ in range(2):
            sign_up(req, 2)
            ServiceRequest.objects.filter(pk=req.pk).update(signup_deadline=now - timedelta(hours=1),
                                                            selection_at=now + timedelta(hours=1))
            request_close_signup(request_id=req.pk)
            if round_ == 0:
                deadline = workday_shift(now, 4)
                request_republish(request_id=req.pk, user=req.created_by, signup_deadline=deadline,
                                  selection_at=workday_shift(deadline, 1))
        firm = req.signups.order_by("pk").first().organisation
        request_direct_pick(request_id=req.pk, user=req.created_by, firm_id=firm.pk,
                            reason="两次流标，工期紧迫，报名机构中该机构同类项目经验丰富。")
        if not DirectPickPolicy.objects.exists():
            direct_pick_policy_set(user=officer, region_code="360900", funding=ServiceRequest.Funding.OWN, allowed=True,
                                   source="宜春市人民政府办公室关于自有资金项目选取方式的通知（演示数据）。")
    def _ratings_and_credit(self, *, draft, publish, now) -> None:
        """Ratings (one explicit, one 不满意 under dispute, one default 满意, a sector rating and
        a firm's rating of its owner) and credit events (a suspension, a removal, a red-list
        record), so the registry stars and the public credit list show something."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from accounts.services import document_store
        from credit.services import (
            credit_appeal_file,
            credit_event_issue,
            credit_score_refresh,
        )
        from ratings.services import (
            rating_default_record,
            rating_dispute_file,
            rating_submit_firm,
            rating_submit_owner,
            sector_rating_submit,
        )

        firms = {o.users.first().username: o for o in Organisation.objects.filter(
            kind=Organisation.Kind.INTERMEDIARY, entry__status=Entry.Status.APPROVED).order_by("pk")}
        city = User.objects.get(username="yc_xzspj")
        county = User.objects.get(username="zs_xzspj")

        def completed(i: int, firm: Organisation, days_ago: int) -> ServiceRequest:
            req = publish(draft(i, "draw"))
            # Demo only: the lifecycle after selection (contract, service, acceptance) is
            # built by another issue; put the request straight into 已验收 with its firm.
            ServiceRequest.objects.filter(pk=req.pk).update(
                status=ServiceRequest.Status.COMPLETED, selected_firm=firm,
                status_changed_at=now - timedelta(days=days_ago))
            return req

        good = completed(10, firms["ganzi"], 3)
        rating_submit_owner(user=good.created_by, request_id=good.pk, overall="satisfied",
                            scores={"quality": 5, "timeliness": 5, "attitude": 5, "fees": 4, "conduct": 5},
                            comment="报告编制规范，审查一次通过，响应及时。")
        sector_rating_submit(user=city, request_id=good.pk, quality=5, comment="成果内容完整，结论可靠。")
        rating_submit_firm(user=firms["ganzi"].users.first(), request_id=good.pk, overall="satisfied",
                           scores={"cooperation": 5, "payment": 4, "clarity": 5}, comment="业主资料提供及时。")
        poor = completed(11, firms["xiujiang"], 2)
        rating = rating_submit_owner(user=poor.created_by, request_id=poor.pk, overall="unsatisfied",
                                     scores={"quality": 2, "timeliness": 1, "attitude": 3, "fees": 3, "conduct": 2},
                                     comment="成果两次退回修改，超出服务期限12天。")
        rating_dispute_file(user=firms["xiujiang"].users.first(), rating_id=rating.pk,
                            reason="延期系业主补充测绘资料迟交所致，有往来函件为证。")
        late = completed(12, firms["lvyuan"], 20)
        rating_default_record(request_id=late.pk)

        def evidence(officer: User, name: str):
            upload = SimpleUploadedFile(name, b"%PDF-1.4\n% demo evidence\n", content_type="application/pdf")
            return document_store(upload=upload, organisation=officer.organisation, user=officer)

        suspension = credit_event_issue(user=county, organisation_id=firms["xianghuan"].pk, kind="overcharging",
                                        description="在樟树市某项目中超出合同约定收取加急费2.4万元。",
                                        evidence=evidence(county, "樟树市行政审批局处理决定书.pdf"))
        credit_appeal_file(user=firms["xianghuan"].users.first(), event_id=suspension.pk,
                           reason="加急费系业主书面要求提前交付而增加，附补充协议。")
        credit_event_issue(user=city, organisation_id=firms["ganan"].pk, kind="collusion",
                           description="与另两家机构串通报价，经调查属实。",
                           evidence=evidence(city, "调查报告.pdf"))
        credit_event_issue(user=city, organisation_id=firms["ganzi"].pk, kind="red_list",
                           description="年度服务质量考核优秀，无投诉。", evidence=evidence(city, "年度考核通报.pdf"))
        for org in firms.values():
            credit_score_refresh(organisation_id=org.pk)
