"""factory_boy factories. Objects with a protected FSM state are created in their initial
state and moved on by calling services, as a real user would."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Organisation, Region, User
from core.uscc import uscc_check_char
from market.models import (
    Entry,
    Qualification,
    QualificationType,
    ServiceItem,
    ServiceRequest,
)

_serial = itertools.count(1)


def make_uscc(n: int | None = None) -> str:
    """A valid unified social credit code (GB 32100-2015) for test firm number `n`."""
    n = next(_serial) if n is None else n
    first17 = f"91360900MA{n:07d}"
    return first17 + uscc_check_char(first17)


def region(code: str = "360900") -> Region:
    return Region.objects.get(code=code)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    kind = Organisation.Kind.OWNER
    name = factory.Sequence(lambda n: f"测试单位{n}")
    region = factory.LazyFunction(lambda: region("360900"))
    contact_name = "张三"
    phone = "0795-3210000"
    email = factory.Sequence(lambda n: f"org{n}@example.com")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def owner_user(*, region_code: str = "360900", **kwargs) -> User:
    org = OrganisationFactory(kind=Organisation.Kind.OWNER, region=region(region_code))
    return UserFactory(organisation=org, **kwargs)


def bureau_user(*, region_code: str = "360900", **kwargs) -> User:
    org = OrganisationFactory(kind=Organisation.Kind.BUREAU, name=f"{region(region_code).name}行政审批局{next(_serial)}",
                              region=region(region_code))
    return UserFactory(organisation=org, **kwargs)


def service_item(code: str | None = None) -> ServiceItem:
    """A catalogue item from the seeded catalogue (one with a qualification requirement)."""
    qs = ServiceItem.objects.filter(qualification_type__isnull=False, active=True)
    return qs.get(code=code) if code else qs.order_by("code").first()


def firm_user(
    *,
    item: ServiceItem | None = None,
    approved: bool = True,
    region_code: str = "360900",
    valid_until: date | None = None,
    grade: str | None = None,
    **kwargs,
) -> User:
    """An intermediary user whose firm holds the qualification `item` needs (valid a year
    by default) and whose entry is approved, unless told otherwise. Written directly,
    as a fixture: the entry workflow itself is tested through its services."""
    item = item or service_item()
    org = OrganisationFactory(kind=Organisation.Kind.INTERMEDIARY, name=f"测试中介机构{next(_serial)}有限公司",
                              uscc=make_uscc(), region=region(region_code))
    user = UserFactory(organisation=org, **kwargs)
    entry = Entry.objects.create(organisation=org, legal_rep="李四")
    if approved:
        now = timezone.now()
        entry.submit(at=now)
        entry.approve(by=None, at=now)
        entry.save()
    qtype: QualificationType | None = item.qualification_type
    if qtype is not None:
        Qualification.objects.create(
            organisation=org, qualification_type=qtype,
            grade=grade if grade is not None else (item.min_grade or (qtype.grades[-1] if qtype.grades else "")),
            cert_no=f"CERT-{org.pk}", valid_until=valid_until or (timezone.localdate() + timedelta(days=365)),
        )
    return user


def request_draft(*, owner: User, method: str = "draw", item: ServiceItem | None = None, **overrides) -> ServiceRequest:
    """A draft whose deadlines satisfy the rules (sign-up closes 5 working days from now)."""
    from core.calendar import workday_shift
    from market.services_requests import request_draft_save

    now = timezone.now()
    deadline = workday_shift(now, 5)
    data = {
        "service_item": item or service_item(),
        "region": owner.organisation.region,
        "title": "宜春市某道路改造工程环境影响评价",
        "scope": "编制环境影响报告表并协助通过审批。",
        "funding": ServiceRequest.Funding.FISCAL,
        "project_code": "",
        "ceiling": Decimal("100000.00"),
        "floor": None,
        "method": method,
        "signup_deadline": deadline,
        "selection_at": workday_shift(deadline, 1),
        "service_days": 30,
        "auction_minutes": 10,
        "min_step": None,
        "allow_abnormally_low": False,
        "contact_name": "王五",
        "contact_phone": "0795-3210001",
    }
    data.update(overrides)
    return request_draft_save(user=owner, data=data)


def published_request(*, owner: User | None = None, **overrides) -> ServiceRequest:
    from market.services_requests import request_publish

    owner = owner or owner_user()
    req = request_draft(owner=owner, **overrides)
    return request_publish(request_id=req.pk, user=owner)


def restriction(org: Organisation, *, region_code: str = "360900"):
    """A bureau suspension of `org` that began a minute ago, as the sanction table would
    record it (its points said, never defaulted)."""
    from credit.models import CreditEvent

    return CreditEvent.objects.create(
        organisation=org, kind="串通投标", sanction=CreditEvent.Sanction.SUSPENSION, points=-20,
        rule_source="《宜春市网上中介服务超市管理暂行办法》", region_id=region_code,
        starts_at=timezone.now() - timedelta(minutes=1))
