"""Direct pick (直接选取): the owner names the firm, with a reason, among those who signed up.

Two routes, both flagged for the bureau's supervision (`ServiceRequest.direct_pick`):
a request published for direct pick where the city bureau's policy (`DirectPickPolicy`)
allows it for its region and funding, once sign-up closed; and any failed request after
the rule `direct_pick_after_failures`-th failure (流标). Either way the pick ends in
`market.services_requests.request_select`, which re-checks the firm's eligibility.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Organisation
from audit.services import record_append
from core.exceptions import (
    InvalidState,
    NotAllowed,
    NotEligible,
    ValidationFailed,
    field_error,
)
from core.jurisdiction import is_city_bureau
from core.locking import lock_rows
from core.rules import rule_int
from core.text import text_clean
from market.lifecycle import S
from market.models import DirectPickPolicy, ServiceRequest, SignUp
from market.selectors import bureau_organisations, firm_eligibility
from market.services_requests import request_select

POLICY_CHAIN = "direct-pick-policy"
DIRECT = "direct"
REASON_MAX = 1000


@transaction.atomic
def direct_pick_policy_set(*, user, region_code: str, funding: str, allowed: bool, source: str) -> DirectPickPolicy:
    """City bureau staff set whether requests of a region and funding type may be published
    for direct pick, with the text that allows it. Recorded in the policy's audit chain."""
    if not is_city_bureau(user):
        raise NotAllowed("只有市行政审批局可以设置直接选取适用范围。")
    if funding not in ServiceRequest.Funding.values:
        raise field_error("funding", "资金来源无效。")
    source = text_clean(source, field="source", label="依据", max_length=1000, required=True)
    from accounts.models import Region

    if not Region.objects.filter(pk=region_code).exists():
        raise field_error("region", "区划不存在。")
    policy = lock_rows(DirectPickPolicy.objects.filter(region_id=region_code, funding=funding)).first()
    old = None if policy is None else policy.allowed
    if policy is None:
        policy = DirectPickPolicy(region_id=region_code, funding=funding)
    policy.allowed, policy.source, policy.updated_by = allowed, source, user
    policy.save()
    record_append(chain=POLICY_CHAIN, kind="direct_pick_policy", actor=user,
                  data={"region": region_code, "funding": funding, "old": old, "new": allowed, "source": source})
    return policy


def direct_pick_allowed(*, region_id: str, funding: str) -> bool:
    """Whether the bureau's policy lets requests of this region and funding type be
    published for direct pick. No policy row means no."""
    return DirectPickPolicy.objects.filter(region_id=region_id, funding=funding, allowed=True).exists()


def direct_pick_open(request: ServiceRequest) -> str:
    """Why the owner may pick directly now ("" if not): "published_direct" for a request
    published for direct pick whose sign-up has closed, "after_failures" for a failed
    request after the rule's failure count."""
    if request.status == S.SELECTING and request.method == DIRECT:
        return "published_direct"
    if request.status == S.FAILED and request.failure_count >= rule_int("direct_pick_after_failures"):
        return "after_failures"
    return ""


def direct_pick_candidates(*, request: ServiceRequest, at: datetime | None = None) -> list[tuple[Organisation, object]]:
    """Firms that signed up for `request` (the current round while selecting, any round
    after a failure) with their eligibility verdict now."""
    at = at or timezone.now()
    signups = SignUp.objects.filter(request=request)
    if request.status == S.SELECTING:
        signups = signups.filter(round=request.publish_count)
    orgs = Organisation.objects.filter(pk__in=signups.values("organisation_id")).order_by("name")
    return [(org, firm_eligibility(organisation=org, request=request, at=at)) for org in orgs]


@transaction.atomic
def request_direct_pick(*, request_id: int, user, firm_id: int, reason: str) -> ServiceRequest:
    """The owner picks a firm directly among those who signed up, with a required reason:
    the request goes to awaiting confirmation with that firm selected (through
    `request_select`), flagged `direct_pick` for the bureau's supervision.

    Allowed for a request published for direct pick (where `DirectPickPolicy` allows it)
    once sign-up closed, or for a failed request whose failure count reached the rule
    `direct_pick_after_failures`. The firm must have signed up and be eligible now.
    """
    reason = text_clean(reason, field="reason", label="直接选取理由", max_length=REASON_MAX, required=True)
    req = lock_rows(ServiceRequest.objects.select_related("service_item", "service_item__qualification_type")
                    .filter(pk=request_id)).first()
    if req is None:
        raise NotAllowed("采购需求不存在。")
    if user.organisation_id is None or req.owner_id != user.organisation_id:
        raise NotAllowed("只有项目业主可以直接选取中介机构。")
    route = direct_pick_open(req)
    if not route:
        after = rule_int("direct_pick_after_failures")
        raise InvalidState(f"直接选取仅适用于按直接选取方式发布且报名已截止的项目，或第{after}次流标后的项目。")
    if route == "published_direct" and not direct_pick_allowed(region_id=req.region_id, funding=req.funding):
        raise InvalidState("该区划和资金来源的项目不允许直接选取。")
    firm = Organisation.objects.filter(pk=firm_id).first()
    signups = SignUp.objects.filter(request=req, organisation_id=firm_id)
    if route == "published_direct":
        signups = signups.filter(round=req.publish_count)
    if firm is None or not signups.exists():
        raise ValidationFailed("只能在报名机构中直接选取。", errors={"firm": ["只能在报名机构中直接选取。"]})
    now = timezone.now()
    verdict = firm_eligibility(organisation=firm, request=req, at=now)
    if not verdict.ok:
        raise NotEligible(verdict.message, code=verdict.code)
    request_select(request=req, ranking=[firm.uscc], actor=user, now=now, direct_reason=reason,
                   data={"route": route, "failure_count": req.failure_count})
    from accounts.services import notification_push

    for bureau in bureau_organisations(region_id=req.region_id):
        notification_push(organisation=bureau, kind="direct_pick_flagged", title=f"直接选取待监督：{req.title}",
                          body=f"{req.owner.name}直接选取{firm.name}，理由：{reason}",
                          url=f"/requests/{req.code}/", dedupe_key=f"direct-bureau:{req.pk}:{bureau.pk}")
    return req
