"""Response (and documented request) shapes of `/api/v1/`. Every response is built by
one of these, so the OpenAPI document says exactly what is sent."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from docking.methods import METHODS
from market.models import ServiceRequest


def _iso(at):
    return timezone.localtime(at).isoformat() if at else None


def _money(amount):
    return None if amount is None else f"{Decimal(amount):.2f}"


REQUEST_STATUSES = list(ServiceRequest.Status.values)
DELIVERY_STATUSES = ["pending", "delivered", "failed"]
LADDER_STATUSES = ["closed", "void"]
SUBSCRIPTION_STATUSES = ["active", "paused"]

Money = serializers.CharField  # decimal yuan with two places, as a string ("80000.00")


# ---------------------------------------------------------------------------------------
# Errors


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="稳定的英文代码（snake_case），供程序判断")
    message = serializers.CharField(help_text="中文说明，供人阅读")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="字段 → 错误说明；整体错误的字段名为空字符串")


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


# ---------------------------------------------------------------------------------------
# Reference data


class RegionSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="区划代码")
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=["city", "county", "zone"])
    parent = serializers.CharField(source="parent_id", allow_null=True)


class QualificationTypeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    grades = serializers.ListField(child=serializers.CharField(), help_text="由低到高")


class ServiceItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="事项编码")
    name = serializers.CharField()
    approval = serializers.CharField(help_text="服务的审批事项")
    legal_basis = serializers.CharField(help_text="设定依据")
    qualification = QualificationTypeRefSerializer(source="qualification_type", allow_null=True)
    min_grade = serializers.CharField(help_text="最低资质等级；空为不限")
    result_document = serializers.CharField(help_text="服务成果")
    fee_basis = serializers.CharField(help_text="收费依据")
    active = serializers.BooleanField()


class OrgRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True, help_text="统一社会信用代码")

    def to_representation(self, instance):
        return {"name": instance.name, "uscc": instance.uscc or None}


# ---------------------------------------------------------------------------------------
# Requests


class RequestLinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    ocds = serializers.CharField()
    draw = serializers.CharField(allow_null=True)
    auction_ladder = serializers.CharField(allow_null=True)
    page = serializers.CharField(help_text="公告页面")


def request_links(req: ServiceRequest) -> dict:
    return {
        "self": reverse("api:request-detail", kwargs={"code": req.code}),
        "ocds": reverse("api:request-ocds", kwargs={"request_code": req.code}),
        "draw": reverse("api:draw-detail", kwargs={"request_code": req.code}) if req.method == "draw" else None,
        "auction_ladder": reverse("api:auction-ladder", kwargs={"code": req.code}) if req.method == "auction" else None,
        "page": f"/requests/{req.code}/",
    }


class AnnouncementSerializer(serializers.Serializer):
    """A request as the public reads it (采购公告 and its result)."""

    code = serializers.CharField(help_text="项目编号")
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=REQUEST_STATUSES)
    status_label = serializers.CharField()
    region = serializers.CharField(help_text="项目所在区划代码")
    service_item = serializers.CharField(help_text="服务事项编码")
    service_item_name = serializers.CharField()
    method = serializers.ChoiceField(choices=METHODS)
    funding = serializers.ChoiceField(choices=ServiceRequest.Funding.values)
    project_code = serializers.CharField(help_text="投资项目代码，可为空字符串")
    scope = serializers.CharField()
    ceiling = Money(help_text="最高限价（元）")
    floor = Money(allow_null=True, help_text="最低限价（元）")
    service_days = serializers.IntegerField()
    auction_minutes = serializers.IntegerField()
    min_step = Money(allow_null=True)
    allow_abnormally_low = serializers.BooleanField()
    signup_deadline = serializers.DateTimeField(allow_null=True)
    selection_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    changed_at = serializers.DateTimeField(allow_null=True, help_text="最近一次状态变化")
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    owner = OrgRefSerializer()
    commitment = serializers.CharField(allow_null=True, help_text="随机选取承诺值 sha256(nonce)")
    signups = serializers.IntegerField(allow_null=True, help_text="本轮报名数（草稿为 null）")
    selected_firm = OrgRefSerializer(allow_null=True)
    price = Money(allow_null=True, help_text="中选价格（竞价为中选机构报价，随机/直接选取为最高限价）")
    contract_amount = Money(allow_null=True)
    closing_reason = serializers.CharField(help_text="取消或流标原因，可为空")
    direct_pick = serializers.BooleanField()
    external_id = serializers.CharField(allow_null=True, help_text="县级平台推送时的县级系统编号")
    links = RequestLinksSerializer()

    def to_representation(self, req):
        from market.selectors import request_price

        counts = self.context.get("signup_counts", {})
        selected = req.selected_firm if req.status in _RESULT else None
        external = getattr(req, "external", None) if _has_external(req) else None
        return {
            "code": req.code, "title": req.title, "status": req.status, "status_label": req.get_status_display(),
            "region": req.region_id, "service_item": req.service_item.code, "service_item_name": req.service_item.name,
            "method": req.method, "funding": req.funding, "project_code": req.project_code, "scope": req.scope,
            "ceiling": _money(req.ceiling), "floor": _money(req.floor), "service_days": req.service_days,
            "auction_minutes": req.auction_minutes, "min_step": _money(req.min_step),
            "allow_abnormally_low": req.allow_abnormally_low,
            "signup_deadline": _iso(req.signup_deadline), "selection_at": _iso(req.selection_at),
            "published_at": _iso(req.published_at), "changed_at": _iso(req.status_changed_at),
            "contact_name": req.contact_name, "contact_phone": req.contact_phone,
            "owner": OrgRefSerializer(req.owner).data, "commitment": req.draw_commitment or None,
            "signups": None if req.status == ServiceRequest.Status.DRAFT else counts.get(req.pk, 0),
            "selected_firm": OrgRefSerializer(selected).data if selected else None,
            "price": _money(request_price(req)) if selected else None,
            "contract_amount": _money(req.contract_amount), "closing_reason": req.closing_reason,
            "direct_pick": req.direct_pick, "external_id": external.external_id if external else None,
            "links": request_links(req),
        }


_RESULT = {ServiceRequest.Status.AWAITING_CONFIRMATION, ServiceRequest.Status.PUBLICITY,
           ServiceRequest.Status.OBJECTION, ServiceRequest.Status.CONTRACTING, ServiceRequest.Status.IN_SERVICE,
           ServiceRequest.Status.DELIVERED, ServiceRequest.Status.COMPLETED, ServiceRequest.Status.RATED,
           ServiceRequest.Status.TERMINATED}


def _has_external(req) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return req.external is not None
    except ObjectDoesNotExist:
        return False


class RegistrantSerializer(serializers.Serializer):
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True)
    signed_up_at = serializers.DateTimeField()
    round = serializers.IntegerField()


class ExclusionSerializer(serializers.Serializer):
    uscc = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    reason = serializers.CharField()


class DeadlinesSerializer(serializers.Serializer):
    confirm_due = serializers.DateTimeField(allow_null=True)
    publicity_ends_at = serializers.DateTimeField(allow_null=True)
    contract_due = serializers.DateTimeField(allow_null=True)
    service_ends_at = serializers.DateTimeField(allow_null=True)


class RequestDetailSerializer(AnnouncementSerializer):
    """A request with what only its owner, its county platform and the bureau in scope
    read (`private` is null for everyone else)."""

    private = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField(allow_null=True, help_text=(
        "业主、县级平台与辖区行政审批局可见：registrants（报名机构）、exclusions（回避）、deadlines（各环节期限）、"
        "publish_count、failure_count")))
    def get_private(self, req):
        return None

    def to_representation(self, req):
        data = super().to_representation(req)
        data["private"] = private_of(req) if self.context.get("private") else None
        return data


def private_of(req: ServiceRequest) -> dict:
    from market.models import SignUp

    signups = SignUp.objects.filter(request=req).select_related("organisation").order_by("round", "created_at", "id")
    return {
        "registrants": [{"name": s.organisation.name, "uscc": s.organisation.uscc or None,
                         "signed_up_at": _iso(s.created_at), "round": s.round} for s in signups],
        "exclusions": [{"uscc": e.organisation.uscc or None, "name": e.organisation.name, "reason": e.reason}
                       for e in req.exclusions.select_related("organisation")],
        "deadlines": {"confirm_due": _iso(req.confirm_due), "publicity_ends_at": _iso(req.publicity_ends_at),
                      "contract_due": _iso(req.contract_due), "service_ends_at": _iso(req.service_ends_at)},
        "publish_count": req.publish_count,
        "failure_count": req.failure_count,
    }


class ResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    region = serializers.CharField()
    service_item = serializers.CharField()
    method = serializers.ChoiceField(choices=METHODS)
    status = serializers.ChoiceField(choices=REQUEST_STATUSES)
    status_label = serializers.CharField()
    changed_at = serializers.DateTimeField(allow_null=True)
    ceiling = Money()
    selected_firm = OrgRefSerializer(allow_null=True)
    price = Money(allow_null=True)
    contract_amount = Money(allow_null=True)
    direct_pick = serializers.BooleanField()
    closing_reason = serializers.CharField()
    external_id = serializers.CharField(allow_null=True)
    links = RequestLinksSerializer()

    def to_representation(self, req):
        full = AnnouncementSerializer(req, context=self.context).data
        return {name: full[name] for name in ("code", "title", "region", "service_item", "method", "status",
                                              "status_label", "changed_at", "ceiling", "selected_firm", "price",
                                              "contract_amount", "direct_pick", "closing_reason", "external_id",
                                              "links")}


# ---------------------------------------------------------------------------------------
# Writes of requests (documented shapes; the owner's form does the checking)


class RequestDraftSerializer(serializers.Serializer):
    """The fields of the owner's request form (the county push adds `owner`)."""

    service_item = serializers.CharField(help_text="服务事项编码（见 /api/v1/catalogue/）")
    region = serializers.CharField(required=False, help_text="项目所在区划代码；县级推送可省略（即本县）")
    title = serializers.CharField(max_length=150)
    scope = serializers.CharField()
    funding = serializers.ChoiceField(choices=ServiceRequest.Funding.values)
    project_code = serializers.CharField(required=False, allow_blank=True, help_text="投资项目代码，如 2026-360982-48-01-012345")
    ceiling = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, help_text="最高限价（元）")
    floor = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    method = serializers.ChoiceField(choices=METHODS)
    signup_deadline = serializers.DateTimeField(help_text="ISO 8601，带时区；不带时区按北京时间")
    selection_at = serializers.DateTimeField()
    service_days = serializers.IntegerField(min_value=1)
    auction_minutes = serializers.IntegerField(required=False, min_value=1, max_value=240)
    min_step = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    allow_abnormally_low = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(max_length=40)
    contact_phone = serializers.CharField(max_length=30)
    exclusions = serializers.ListField(child=serializers.CharField(), required=False,
                                       help_text="回避机构的统一社会信用代码")
    exclusion_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CountyOwnerSerializer(serializers.Serializer):
    uscc = serializers.CharField(help_text="项目业主统一社会信用代码")
    name = serializers.CharField(required=False, help_text="首次推送该业主时必填")
    contact_name = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)


class CountyPushSerializer(RequestDraftSerializer):
    owner = CountyOwnerSerializer()


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="理由")


class RepublishSerializer(serializers.Serializer):
    signup_deadline = serializers.DateTimeField()
    selection_at = serializers.DateTimeField()


class DirectPickSerializer(serializers.Serializer):
    firm = serializers.CharField(help_text="报名机构的统一社会信用代码")
    reason = serializers.CharField()


class ContractUploadSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="签订的合同（PDF 等）")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class DocumentUploadSerializer(serializers.Serializer):
    document = serializers.FileField()


class ObjectionSerializer(serializers.Serializer):
    reason = serializers.CharField()
    attachment = serializers.FileField()


class TerminationSerializer(serializers.Serializer):
    reason = serializers.CharField()
    evidence = serializers.FileField()


class RatingSerializer(serializers.Serializer):
    overall = serializers.ChoiceField(choices=["satisfied", "basic", "unsatisfied"],
                                      help_text="满意 / 基本满意 / 不满意")
    scores = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5), help_text=(
        "业主评中介：quality、timeliness、attitude、fees、conduct；中介评业主：cooperation、payment、clarity；各1至5分"))
    comment = serializers.CharField(required=False, allow_blank=True)


class RatingResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    side = serializers.CharField()
    overall = serializers.CharField()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class BidSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text="报价（元），两位小数的字符串")
    client_id = serializers.UUIDField(help_text="客户端生成的 UUID；重复提交同一 client_id 得到同一应答")


class BidAnswerSerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    client_id = serializers.CharField(allow_null=True)
    seq = serializers.IntegerField(allow_null=True)
    code = serializers.CharField(help_text="拒绝原因代码（与竞价 websocket 的 rejected 相同）；接受时为空")
    message = serializers.CharField()


class SignUpResultSerializer(serializers.Serializer):
    request = serializers.CharField()
    organisation = OrgRefSerializer()
    round = serializers.IntegerField()
    signed_up_at = serializers.DateTimeField()


class AppealResultSerializer(serializers.Serializer):
    event_id = serializers.IntegerField()
    filed_at = serializers.DateTimeField()
    answer_due = serializers.DateTimeField()
    decision = serializers.CharField()


class DisputeResultSerializer(serializers.Serializer):
    rating_id = serializers.IntegerField()
    filed_at = serializers.DateTimeField()
    answer_due = serializers.DateTimeField()


class ObjectionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.CharField()
    lodged_at = serializers.DateTimeField()
    answer_due = serializers.DateTimeField()
    status = serializers.CharField()


class TerminationResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.CharField()
    asked_at = serializers.DateTimeField()
    status = serializers.CharField()


# ---------------------------------------------------------------------------------------
# Registry, credit, statistics, auctions


class QualificationSerializer(serializers.Serializer):
    type = serializers.CharField()
    type_name = serializers.CharField()
    grade = serializers.CharField()
    cert_no = serializers.CharField()
    valid_until = serializers.DateField()


class CreditStatusSerializer(serializers.Serializer):
    restricted = serializers.BooleanField(help_text="当前是否受信用限制（不能报名、竞价、签约）")
    score = serializers.CharField(allow_null=True, help_text="信用分（百分制）")
    stars = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(help_text="信用档案页面")


class TrackRecordSerializer(serializers.Serializer):
    completed = serializers.IntegerField(help_text="已验收的项目数")
    in_progress = serializers.IntegerField(help_text="签约、服务中、待验收的项目数")
    ratings = serializers.IntegerField(help_text="业主评价数（不含默认满意）")


class RegistryFirmSerializer(serializers.Serializer):
    name = serializers.CharField()
    uscc = serializers.CharField()
    region = serializers.CharField()
    approved_at = serializers.DateTimeField(allow_null=True)
    qualifications = QualificationSerializer(many=True)
    staff_count = serializers.IntegerField()
    credit = CreditStatusSerializer()
    track_record = TrackRecordSerializer()

    def to_representation(self, org):
        score = getattr(org, "credit_score", None) if _has_score(org) else None
        entry = org.entry
        return {
            "name": org.name, "uscc": org.uscc, "region": org.region_id, "approved_at": _iso(entry.approved_at),
            "qualifications": [{"type": q.qualification_type.code, "type_name": q.qualification_type.name,
                                "grade": q.grade, "cert_no": q.cert_no, "valid_until": q.valid_until.isoformat()}
                               for q in org.qualifications.all()],
            "staff_count": len(org.staff.all()),
            "credit": {"restricted": bool(getattr(org, "restricted", False)),
                       "score": f"{score.score:.1f}" if score else None, "stars": score.stars if score else None,
                       "url": f"/credit/firms/{org.pk}/"},
            "track_record": {"completed": getattr(org, "completed_count", 0),
                             "in_progress": getattr(org, "in_service_count", 0),
                             "ratings": score.rating_count if score else 0},
        }


def _has_score(org) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return org.credit_score is not None
    except ObjectDoesNotExist:
        return False


class CreditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = OrgRefSerializer()
    kind = serializers.CharField(allow_null=True)
    kind_label = serializers.CharField()
    severity = serializers.CharField(allow_null=True)
    sanction = serializers.CharField()
    sanction_label = serializers.CharField()
    status = serializers.CharField()
    region = serializers.CharField(help_text="发起区划")
    rule_source = serializers.CharField()
    description = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    ban_until = serializers.DateTimeField(allow_null=True)

    def to_representation(self, ev):
        return {
            "id": ev.pk, "organisation": OrgRefSerializer(ev.organisation).data, "kind": ev.kind_code or None,
            "kind_label": ev.kind, "severity": ev.severity or None, "sanction": ev.sanction,
            "sanction_label": ev.get_sanction_display(), "status": ev.status, "region": ev.region_id,
            "rule_source": ev.rule_source, "description": ev.description, "starts_at": _iso(ev.starts_at),
            "ends_at": _iso(ev.ends_at), "ban_until": _iso(ev.ban_until),
        }


class StatisticsSerializer(serializers.Serializer):
    region = serializers.CharField(allow_null=True)
    since = serializers.DateTimeField(allow_null=True)
    requests_published = serializers.IntegerField()
    requests_by_status = serializers.DictField(child=serializers.IntegerField())
    requests_by_method = serializers.DictField(child=serializers.IntegerField())
    deals = serializers.IntegerField(help_text="已签约的项目数")
    failed = serializers.IntegerField(help_text="流标的项目数")
    ceiling_total = Money(help_text="已签约项目的最高限价合计（元）")
    contract_total = Money(help_text="已签约项目的合同金额合计（元）")
    savings_rate = serializers.FloatField(allow_null=True, help_text="(限价合计−合同合计)÷限价合计")
    signups = serializers.IntegerField()
    registry_firms = serializers.IntegerField()

    def to_representation(self, data):
        return {**data, "since": _iso(data["since"]), "ceiling_total": _money(data["ceiling_total"]),
                "contract_total": _money(data["contract_total"])}


class LadderBidSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    alias = serializers.CharField()
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True)
    amount = Money()
    at = serializers.DateTimeField()


class LadderRankSerializer(serializers.Serializer):
    alias = serializers.CharField()
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True)
    amount = Money()


class AuctionLadderSerializer(serializers.Serializer):
    request_code = serializers.CharField()
    auction_id = serializers.IntegerField()
    round = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LADDER_STATUSES)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    ceiling = Money()
    floor = Money(allow_null=True)
    min_step = Money()
    ranking = LadderRankSerializer(many=True)
    bids = LadderBidSerializer(many=True)


# ---------------------------------------------------------------------------------------
# Webhooks


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.CharField(), min_length=1)


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=SUBSCRIPTION_STATUSES)
    county = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    failing_since = serializers.DateTimeField(allow_null=True)

    def to_representation(self, sub):
        return {"id": sub.pk, "url": sub.url, "events": list(sub.events), "status": sub.status,
                "county": sub.county_id, "created_at": _iso(sub.created_at), "failing_since": _iso(sub.failing_since)}


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="签名密钥：只在此应答中出现一次")

    def to_representation(self, sub):
        return {**super().to_representation(sub), "secret": sub.secret}


class DeliverySerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="投递编号 = 请求体 id = X-Yczjcs-Delivery")
    event_type = serializers.CharField()
    status = serializers.ChoiceField(choices=DELIVERY_STATUSES)
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status = serializers.IntegerField(allow_null=True, help_text="接收方最近一次应答的 HTTP 状态码")
    last_answer = serializers.CharField(help_text="接收方最近一次应答（前500字）或连接错误")
    delivered_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, d):
        return {"id": str(d.pk), "event_type": d.event.type, "status": d.status, "attempts": d.attempts,
                "created_at": _iso(d.created_at), "last_attempt_at": _iso(d.last_attempt_at),
                "next_attempt_at": _iso(d.next_attempt_at) if d.status == "pending" else None,
                "last_status": d.last_status, "last_answer": d.last_answer, "delivered_at": _iso(d.delivered_at)}


JSON_OBJECT = OpenApiTypes.OBJECT
