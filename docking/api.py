"""`/api/v1/`: thin adapters. Each view parses the input, names the acting user (the key's
own, or for a county key the request owner's), calls the same service as the web page,
and answers with a serializer; every service error becomes the fixed error shape
(`docking.rest.api_exception_handler`)."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Region
from bidding.methods import AUCTION
from core.exceptions import InvalidState, NotAllowed, NotFound, ValidationFailed
from docking import ports, selectors
from docking import serializers as s
from docking.keys import actor_for
from docking.methods import METHODS
from docking.models import ApiKey, Scope, WebhookDelivery
from docking.rest import Cursor, key_of, record_key_use
from market.models import ServiceItem, ServiceRequest
from market.selectors import announcement_list, signup_counts

E = s.ErrorSerializer
READ_ERRORS = {400: E, 401: E, 429: E}
WRITE_ERRORS = {400: E, 401: E, 403: E, 404: E, 409: E, 429: E}


def errors(*codes: int) -> dict:
    return {code: OpenApiResponse(E, description="错误（统一格式）") for code in codes}


class ApiView(APIView):
    """Base of every docking view: records the key's use once it is known."""

    required_scopes: dict[str, str] = {}
    operation_name = ""

    def perform_authentication(self, request):
        super().perform_authentication(request)
        record_key_use(request, self)


class ApiListView(ApiView, generics.ListAPIView):
    pagination_class = Cursor


def _param(name: str, description: str, type=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, type, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


SINCE = _param("since", "只返回该时间（ISO 8601，不带时区按北京时间）之后变化的记录")
CURSOR = [_param("cursor", "分页游标（取自上一页的 next）"), _param("page_size", "每页条数，最多200", type=int)]


def since_param(request):
    try:
        return selectors.since_parse(request.query_params.get("since"))
    except ValueError:
        raise ValidationFailed("since 应为 ISO 8601 时间，如 2026-03-02T09:00:00+08:00。",
                               errors={"since": ["应为 ISO 8601 时间，如 2026-03-02T09:00:00+08:00。"]}) from None


def _short(request, name: str, max_length: int = 100) -> str:
    value = request.query_params.get(name, "") or ""
    if len(value) > max_length or "\x00" in value:
        raise ValidationFailed(f"参数 {name} 过长或含无效字符。", errors={name: [f"参数 {name} 过长或含无效字符。"]})
    return value.strip()


def _with_counts(rows) -> dict:
    rows = list(rows)
    return {"signup_counts": signup_counts(requests=rows)}


# ---------------------------------------------------------------------------------------
# Reference data and public reads


@extend_schema(summary="区划", description="宜春市及各县（市、区）、功能区的区划代码。", tags=["reference"],
               responses={200: s.RegionSerializer(many=True), **errors(401, 429)})
class RegionList(ApiListView):
    operation_name = "regions"
    serializer_class = s.RegionSerializer
    pagination_class = None
    queryset = Region.objects.order_by("sort_order", "code")


class CatalogueCursor(Cursor):
    ordering = "code"


@extend_schema(summary="中介服务事项清单", tags=["reference"], parameters=[
    _param("active", "只看启用（true）或停用（false）的事项", enum=["true", "false"]), *CURSOR],
    responses={200: s.ServiceItemSerializer(many=True), **errors(400, 401, 429)})
class CatalogueList(ApiListView):
    operation_name = "catalogue"
    serializer_class = s.ServiceItemSerializer
    pagination_class = CatalogueCursor

    def get_queryset(self):
        qs = ServiceItem.objects.select_related("qualification_type")
        active = self.request.query_params.get("active")
        if active in ("true", "false"):
            qs = qs.filter(active=active == "true")
        return qs


class AnnouncementCursor(Cursor):
    ordering = ("-published_at", "-id")


@extend_schema(summary="采购公告", description="公开的采购需求（不含草稿），最新发布在前；筛选同公告页面。", tags=["requests"],
               parameters=[_param("region", "区划代码"), _param("service_item", "服务事项编码"),
                           _param("method", "选取方式", enum=METHODS),
                           _param("status", "状态", enum=[v for v in ServiceRequest.Status.values if v != "draft"]),
                           _param("q", "项目名称关键词或项目编号"), *CURSOR],
               responses={200: s.AnnouncementSerializer(many=True), **errors(400, 401, 429)})
class AnnouncementList(ApiListView):
    operation_name = "announcements"
    serializer_class = s.AnnouncementSerializer
    pagination_class = AnnouncementCursor

    def get_queryset(self):
        r = self.request
        status_ = _short(r, "status")
        if status_ == "draft":
            status_ = "none"
        return announcement_list(region=_short(r, "region"), service_item=_short(r, "service_item"),
                                 method=_short(r, "method"), status=status_, q=_short(r, "q")).select_related(
            "selected_firm", "external")

    def get_serializer(self, *args, **kwargs):
        if args:
            kwargs.setdefault("context", {}).update({**self.get_serializer_context(), **_with_counts(args[0])})
        return super().get_serializer(*args, **kwargs)


class ResultCursor(Cursor):
    ordering = ("status_changed_at", "id")


@extend_schema(summary="选取结果（按变化时间拉取）",
               description="有结果的项目（待确认、公示、签约、服务、验收、终止、流标），按最近一次状态变化由旧到新；"
                           "县级平台保存最后一条的 changed_at 作为下次的 since，或保存 next 游标继续拉取。",
               tags=["requests"], parameters=[SINCE, _param("region", "区划代码"), *CURSOR],
               responses={200: s.ResultSerializer(many=True), **errors(400, 401, 429)})
class ResultList(ApiListView):
    operation_name = "results"
    serializer_class = s.ResultSerializer
    pagination_class = ResultCursor

    def get_queryset(self):
        return selectors.results_since(since=since_param(self.request), region=_short(self.request, "region"))


class RegistryCursor(Cursor):
    ordering = ("entry__approved_at", "id")


@extend_schema(summary="中介机构名录", description="已入驻的中介机构：资质、信用状态、业绩。按入驻时间由旧到新，可用 since 增量拉取。",
               tags=["registry"], parameters=[_param("q", "名称关键词或统一社会信用代码"),
                                              _param("qualification", "资质类型代码"), SINCE, *CURSOR],
               responses={200: s.RegistryFirmSerializer(many=True), **errors(400, 401, 429)})
class RegistryList(ApiListView):
    operation_name = "registry"
    serializer_class = s.RegistryFirmSerializer
    pagination_class = RegistryCursor

    def get_queryset(self):
        r = self.request
        return selectors.registry_rows(q=_short(r, "q"), qualification=_short(r, "qualification"),
                                       since=since_param(r)).order_by("entry__approved_at", "id")


@extend_schema(summary="一家中介机构", tags=["registry"],
               responses={200: s.RegistryFirmSerializer, **errors(401, 404, 429)})
class RegistryDetail(ApiView):
    operation_name = "registry-detail"

    def get(self, request, uscc: str):
        org = selectors.registry_rows().filter(uscc=uscc[:18]).first()
        if org is None:
            raise NotFound("名录中没有该机构。")
        return Response(s.RegistryFirmSerializer(org).data)


class CreditCursor(Cursor):
    ordering = ("-starts_at", "-id")


@extend_schema(summary="信用惩戒公示名单", description="正在生效的警告、暂停，和禁入期内的清退；全市通用。", tags=["credit"],
               parameters=[_param("q", "机构名称、统一社会信用代码或事件类型"), *CURSOR],
               responses={200: s.CreditEventSerializer(many=True), **errors(400, 401, 429)})
class CreditList(ApiListView):
    operation_name = "credit"
    serializer_class = s.CreditEventSerializer
    pagination_class = CreditCursor

    def get_queryset(self):
        from credit.selectors import public_credit_list

        return public_credit_list(q=_short(self.request, "q"))


@extend_schema(summary="运行统计（公开）", description="全市（或一个区划）的项目数、成交、节约率、报名与名录规模。",
               tags=["statistics"], parameters=[_param("region", "区划代码"), SINCE],
               responses={200: s.StatisticsSerializer, **errors(400, 401, 429)})
class Statistics(ApiView):
    operation_name = "statistics"

    def get(self, request):
        region = _short(request, "region")
        if region and not Region.objects.filter(code=region).exists():
            raise ValidationFailed("区划代码不存在。", errors={"region": ["区划代码不存在。"]})
        return Response(s.StatisticsSerializer(selectors.statistics(region=region, since=since_param(request))).data)


@extend_schema(summary="竞价阶梯（结束后公开）", description="竞价结束后每一次有效出价（代号、机构、金额、时间）和排名；结束前为 404。",
               tags=["requests"], responses={200: s.AuctionLadderSerializer, **errors(401, 404, 429)})
class AuctionLadder(ApiView):
    operation_name = "auction-ladder"

    def get(self, request, code: str):
        from bidding.models import Auction, Bid

        req = selectors.requests_visible(None).filter(code=code[:24], method=AUCTION).first()
        if req is None:
            raise NotFound("项目不存在或不是竞价选取。")
        ports.request_refresh(req)
        auction = Auction.objects.filter(request=req, status__in=[Auction.Status.CLOSED, Auction.Status.VOID]).order_by(
            "-round").first()
        if auction is None:
            raise NotFound("竞价尚未结束。")
        bids = Bid.objects.filter(auction=auction).select_related("bidder", "organisation").order_by("seq")
        return Response(s.AuctionLadderSerializer({
            "request_code": req.code, "auction_id": auction.pk, "round": auction.round, "status": auction.status,
            "starts_at": auction.starts_at, "ends_at": auction.ends_at, "ceiling": s._money(auction.ceiling),
            "floor": s._money(auction.floor), "min_step": s._money(auction.min_step),
            "ranking": [{"alias": r["alias"], "name": r["name"], "uscc": r.get("code") or None, "amount": r["amount"]}
                        for r in auction.ranking],
            "bids": [{"seq": b.seq, "alias": b.bidder.alias, "name": b.organisation.name,
                      "uscc": b.organisation.uscc or None, "amount": s._money(b.amount), "at": b.at} for b in bids],
        }).data)


# ---------------------------------------------------------------------------------------
# Requests: the key's own, one request, the owner's writes


def _request_for(request, code: str) -> ServiceRequest:
    req = selectors.requests_visible(key_of(request)).filter(code=code[:24]).first()
    if req is None:
        raise NotFound("项目不存在。")
    return req


def _detail(request, req: ServiceRequest, *, http_status: int = 200) -> Response:
    req = selectors.requests_visible(key_of(request)).get(pk=req.pk)
    context = {"request": request, "private": selectors.key_sees_private(key_of(request), req),
               **_with_counts([req])}
    return Response(s.RequestDetailSerializer(req, context=context).data, status=http_status)


def _owner_actor(request, req: ServiceRequest):
    """The user acting as the request's owner: an owner key's own user (the service then
    checks ownership), or a county key's user for the request's owner, if the request is
    of its county. Requires `requests:write`."""
    key = _require_key(request, Scope.REQUESTS_WRITE)
    if key.is_county:
        if req.region_id != key.county_id:
            raise NotAllowed("县级平台只能操作本县（市、区）的项目。", code="outside_county")
        return actor_for(key=key, organisation=req.owner)
    return request.user


def _firm_actor(request):
    key = _require_key(request, Scope.BIDS_WRITE)
    return actor_for(key=key, organisation=key.organisation)


def _party_actor(request, req: ServiceRequest):
    """For operations both sides do (contract, rating): an intermediary key acts as the
    firm (`bids:write`), any other as the owner (`requests:write`)."""
    key = _require_key(request, None)
    if not key.is_county and key.organisation.is_intermediary:
        return _firm_actor(request)
    return _owner_actor(request, req)


def _require_key(request, scope: str | None) -> ApiKey:
    from rest_framework import exceptions

    key = key_of(request)
    if key is None:
        raise exceptions.NotAuthenticated()
    if scope is not None and not key.has_scope(scope):
        raise exceptions.PermissionDenied(f"该密钥没有“{scope}”权限。", code="scope_missing")
    return key


class RequestCursor(Cursor):
    ordering = ("-created_at", "-id")


@extend_schema(methods=["GET"], summary="本机构（本县）的项目", tags=["requests"],
               description="业主：本单位的全部项目（含草稿）；县级平台：本县全部项目；中介机构：报名或中选的项目；"
                           "行政审批局：辖区项目。需 read 权限。",
               parameters=[_param("status", "状态", enum=ServiceRequest.Status.values), SINCE, *CURSOR],
               responses={200: s.RequestDetailSerializer(many=True), **errors(400, 401, 403, 429)})
@extend_schema(methods=["POST"], summary="新建采购需求（草稿）", tags=["requests"], request=s.RequestDraftSerializer,
               description="业主密钥（requests:write）。字段与业主页面的表单相同，由同一表单校验；`?publish=true` 同时发布"
                           "（与页面“保存并发布”相同，发布失败则不保存）。县级平台请用按县级系统编号推送。",
               parameters=[_param("publish", "同时发布", enum=["true", "false"])],
               responses={201: s.RequestDetailSerializer, **errors(*WRITE_ERRORS)})
class MyRequestList(ApiListView):
    operation_name = "requests"
    serializer_class = s.RequestDetailSerializer
    pagination_class = RequestCursor
    required_scopes = {"GET": Scope.READ, "POST": Scope.REQUESTS_WRITE}
    parser_classes = [JSONParser]

    def post(self, request):
        from docking.forms import draft_clean

        key = key_of(request)
        if key.is_county:
            raise NotAllowed("县级平台请使用 PUT /api/v1/requests/by-external-id/<县级系统编号>/ 推送项目。",
                             code="use_county_push")
        data, exclusions = draft_clean(body=request.data, owner=key.organisation)
        with transaction.atomic():
            req = ports.request_draft_save(user=request.user, data=data, exclusions=exclusions)
            if _flag(request, "publish"):
                req = ports.request_publish(request_id=req.pk, user=request.user)
        return _detail(request, req, http_status=201)

    def get_queryset(self):
        qs = selectors.requests_of_key(key_of(self.request))
        status_ = _short(self.request, "status")
        if status_:
            qs = qs.filter(status=status_)
        since = since_param(self.request)
        if since is not None:
            qs = qs.filter(status_changed_at__gte=since) | qs.filter(created_at__gte=since)
        return qs

    def get_serializer(self, *args, **kwargs):
        if args:
            rows = list(args[0])
            key = key_of(self.request)
            kwargs.setdefault("context", {}).update({
                **self.get_serializer_context(), **_with_counts(rows),
                "private": bool(rows) and all(selectors.key_sees_private(key, r) for r in rows)})
            args = (rows, *args[1:])
        return super().get_serializer(*args, **kwargs)


def _flag(request, name: str) -> bool:
    return (request.query_params.get(name) or "").lower() in ("true", "1", "yes")


@extend_schema(summary="一个项目", tags=["requests"],
               description="公开字段人人可读；业主、县级平台和辖区行政审批局的密钥另见 private（报名机构、回避、各环节期限）。草稿仅业主和县级平台可见。",
               responses={200: s.RequestDetailSerializer, **errors(401, 404, 429)})
class RequestDetail(ApiView):
    operation_name = "request-detail"
    parser_classes = [JSONParser]
    required_scopes = {"PUT": Scope.REQUESTS_WRITE}

    def get(self, request, code: str):
        req = _request_for(request, code)
        ports.request_refresh(req)
        return _detail(request, req)

    @extend_schema(summary="修改草稿", tags=["requests"], request=s.RequestDraftSerializer,
                   responses={200: s.RequestDetailSerializer, **errors(*WRITE_ERRORS)})
    def put(self, request, code: str):
        from docking.forms import draft_clean

        req = _request_for(request, code)
        user = _owner_actor(request, req)
        data, exclusions = draft_clean(body=request.data, owner=req.owner)
        req = ports.request_draft_save(user=user, data=data, exclusions=exclusions, request_id=req.pk)
        return _detail(request, req)


@extend_schema(summary="县级平台推送项目（按县级系统编号幂等）", tags=["county"], request=s.CountyPushSerializer,
               description="县级平台密钥（requests:write）创建或更新本县项目：同一 external_id 重复推送不会产生第二个项目；"
                           "owner 以统一社会信用代码指明业主（本县已有业主直接使用，新业主按所给名称登记为本县业主）；"
                           "`?publish=true` 发布（已发布的重复推送不变）。已发布后内容不同的推送返回 409。",
               parameters=[_param("publish", "同时发布", enum=["true", "false"])],
               responses={200: s.RequestDetailSerializer, 201: s.RequestDetailSerializer, **errors(*WRITE_ERRORS)})
class CountyPush(ApiView):
    operation_name = "county-push"
    parser_classes = [JSONParser]
    required_scopes = {"PUT": Scope.REQUESTS_WRITE}

    def put(self, request, external_id: str):
        from docking.forms import draft_clean
        from docking.services import county_owner_resolve, county_request_push

        key = key_of(request)
        if not key.is_county:
            raise NotAllowed("只有县级平台密钥可以按县级系统编号推送项目。", code="not_county_key")
        body = request.data if isinstance(request.data, dict) else None
        if body is None:
            raise ValidationFailed("请求体应为 JSON 对象。", errors={"": ["请求体应为 JSON 对象。"]})
        owner = county_owner_resolve(key=key, owner=body.get("owner"))
        data, exclusions = draft_clean(body=body, owner=owner, default_region=key.county_id)
        req, created = county_request_push(key=key, external_id=external_id, owner=owner, data=data,
                                           exclusions=exclusions, publish=_flag(request, "publish"))
        return _detail(request, req, http_status=201 if created else 200)


def _action(summary: str, description: str, body=None, result=s.RequestDetailSerializer, multipart=False):
    return extend_schema(summary=summary, description=description, tags=["requests"], request=body,
                         responses={200: result, **errors(*WRITE_ERRORS)})


class _RequestAction(ApiView):
    """POST /requests/<code>/<action>/: a key first (401), then the request (404), then
    the action's scope and the service's own checks (403, 409, 400)."""

    parser_classes = [JSONParser]

    def post(self, request, code: str):
        _require_key(request, None)
        req = _request_for(request, code)
        result = self.act(request, req)
        if isinstance(result, Response):
            return result
        return _detail(request, req)

    def act(self, request, req):  # pragma: no cover - every subclass defines it
        raise NotImplementedError


def _body(request) -> dict:
    if not isinstance(request.data, dict) and not hasattr(request.data, "getlist"):
        raise ValidationFailed("请求体应为 JSON 对象。", errors={"": ["请求体应为 JSON 对象。"]})
    return request.data


def _text(request, name: str) -> str:
    value = _body(request).get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} 应为文本。", errors={name: ["应为文本。"]})
    if len(value) > 5000:
        raise ValidationFailed(f"{name} 不能超过5000个字。", errors={name: ["不能超过5000个字。"]})
    return value


@_action("发布草稿", "与页面“发布”相同：按规则校验、承诺随机数、推送邀请。需 requests:write。")
class RequestPublish(_RequestAction):
    operation_name = "request-publish"

    def act(self, request, req):
        ports.request_publish(request_id=req.pk, user=_owner_actor(request, req))


@_action("取消项目", "选取开始前取消，理由推送给报名机构。", s.ReasonSerializer)
class RequestCancel(_RequestAction):
    operation_name = "request-cancel"

    def act(self, request, req):
        ports.request_cancel(request_id=req.pk, user=_owner_actor(request, req), reason=_text(request, "reason"))


@_action("流标后重新发布", "新的报名截止和选取时间。", s.RepublishSerializer)
class RequestRepublish(_RequestAction):
    operation_name = "request-republish"

    def act(self, request, req):
        from market.forms_owner import RepublishForm

        user = _owner_actor(request, req)
        body = _body(request)
        form = RepublishForm(data={k: body.get(k) if isinstance(body.get(k), str) else "" for k in
                                   ("signup_deadline", "selection_at")})
        if not form.is_valid():
            raise ValidationFailed("请按提示修改。", errors={k: list(v) for k, v in form.errors.items()})
        ports.request_republish(request_id=req.pk, user=user, signup_deadline=form.cleaned_data["signup_deadline"],
                                selection_at=form.cleaned_data["selection_at"])


@_action("确认选取结果", "业主确认后进入公示。")
class RequestConfirm(_RequestAction):
    operation_name = "request-confirm"

    def act(self, request, req):
        ports.request_confirm(request_id=req.pk, user=_owner_actor(request, req))


@_action("直接选取", "仅在规则允许时，在报名机构中直接选取，须说明理由（标记供监督）。", s.DirectPickSerializer)
class RequestDirectPick(_RequestAction):
    operation_name = "request-direct-pick"

    def act(self, request, req):
        from accounts.models import Organisation

        user = _owner_actor(request, req)
        code = _text(request, "firm")
        firm = Organisation.objects.filter(uscc=code[:18]).first() if code else None
        ports.request_direct_pick(request_id=req.pk, user=user, firm_id=firm.pk if firm else 0,
                                  reason=_text(request, "reason"))


@_action("验收服务成果", "已交付的项目验收后进入评价。")
class RequestAccept(_RequestAction):
    operation_name = "request-accept"

    def act(self, request, req):
        ports.request_accept(request_id=req.pk, user=_owner_actor(request, req))


class _UploadAction(_RequestAction):
    parser_classes = [MultiPartParser, FormParser]


@extend_schema(summary="上传合同", tags=["requests"], request={"multipart/form-data": s.ContractUploadSerializer},
               description="业主先上传签订的合同及金额（不高于中选价格），中选机构再上传盖章合同（金额一致）后进入服务期。"
                           "业主密钥需 requests:write，中介机构密钥需 bids:write。",
               responses={200: s.RequestDetailSerializer, **errors(*WRITE_ERRORS)})
class ContractUpload(_UploadAction):
    operation_name = "contract-upload"

    def act(self, request, req):
        ports.contract_upload(request_id=req.pk, user=_party_actor(request, req),
                              document=request.FILES.get("document"), amount=request.data.get("amount"))


@extend_schema(summary="提交服务成果", tags=["requests"], request={"multipart/form-data": s.DocumentUploadSerializer},
               description="中选机构上传结果文件，项目进入待验收。需 bids:write。",
               responses={200: s.RequestDetailSerializer, **errors(*WRITE_ERRORS)})
class ResultDeliver(_UploadAction):
    operation_name = "result-deliver"

    def act(self, request, req):
        ports.result_deliver(request_id=req.pk, user=_firm_actor(request), document=request.FILES.get("document"))


@extend_schema(summary="申请终止合同", tags=["requests"], request={"multipart/form-data": s.TerminationSerializer},
               description="业主以违约事实和证据申请行政审批局终止合同。",
               responses={201: s.TerminationResultSerializer, **errors(*WRITE_ERRORS)})
class TerminationAsk(_UploadAction):
    operation_name = "termination-ask"

    def act(self, request, req):
        ask = ports.termination_ask(request_id=req.pk, user=_owner_actor(request, req),
                                    reason=request.data.get("reason", ""), evidence=request.FILES.get("evidence"))
        return Response(s.TerminationResultSerializer({"id": ask.pk, "request": req.code, "asked_at": ask.asked_at,
                                                       "status": ask.status}).data, status=201)


@extend_schema(summary="提出质疑", tags=["requests"], request={"multipart/form-data": s.ObjectionSerializer},
               description="本项目的报名机构（非中选机构）在公示期内提出质疑，附理由和附件。需 bids:write。",
               responses={201: s.ObjectionResultSerializer, **errors(*WRITE_ERRORS)})
class ObjectionLodge(_UploadAction):
    operation_name = "objection-lodge"

    def act(self, request, req):
        objection = ports.objection_lodge(request_id=req.pk, user=_firm_actor(request),
                                          reason=request.data.get("reason", ""),
                                          attachment=request.FILES.get("attachment"))
        return Response(s.ObjectionResultSerializer({
            "id": objection.pk, "request": req.code, "lodged_at": objection.lodged_at,
            "answer_due": objection.answer_due, "status": objection.status}).data, status=201)


@extend_schema(summary="报名", tags=["requests"], request=None,
               description="中介机构报名：与页面相同的入驻、资质、回避和信用检查。需 bids:write。",
               responses={201: s.SignUpResultSerializer, **errors(*WRITE_ERRORS)})
class SignUpCreate(_RequestAction):
    operation_name = "signup"

    def act(self, request, req):
        signup = ports.signup_create(request_id=req.pk, user=_firm_actor(request))
        return Response(s.SignUpResultSerializer({
            "request": req.code, "organisation": signup.organisation, "round": signup.round,
            "signed_up_at": signup.created_at}).data, status=201)


@_action("放弃中选", "中选机构放弃（记信用事件），由排序中的下一家递补。需 bids:write。", s.ReasonSerializer)
class RequestDecline(_RequestAction):
    operation_name = "request-decline"

    def act(self, request, req):
        ports.request_decline(request_id=req.pk, user=_firm_actor(request), reason=_text(request, "reason"))


@extend_schema(summary="评价", tags=["requests"], request=s.RatingSerializer,
               description="业主评价中选机构（五个维度），或中选机构评价业主（三个维度）。",
               responses={201: s.RatingResultSerializer, **errors(*WRITE_ERRORS)})
class RatingSubmit(_RequestAction):
    operation_name = "rating-submit"

    def act(self, request, req):
        user = _party_actor(request, req)
        body = _body(request)
        scores = body.get("scores") if isinstance(body.get("scores"), dict) else {}
        overall = body.get("overall") if isinstance(body.get("overall"), str) else ""
        service = ports.rating_submit_firm if user.organisation.is_intermediary else ports.rating_submit_owner
        rating = service(user=user, request_id=req.pk, scores=scores, overall=overall,
                         comment=_text(request, "comment"))
        return Response(s.RatingResultSerializer({"id": rating.pk, "side": rating.side, "overall": rating.overall,
                                                  "is_default": rating.is_default,
                                                  "created_at": rating.created_at}).data, status=201)


@extend_schema(summary="竞价出价", tags=["requests"], request=s.BidSerializer,
               description="与竞价 websocket 的 bid 消息相同的服务：接受为 201（ack），拒绝为错误，code 同 websocket 的 rejected。"
                           "同一 client_id 重复提交得到第一次的应答。需 bids:write。",
               responses={201: s.BidAnswerSerializer, **errors(*WRITE_ERRORS)})
class BidPlace(_RequestAction):
    operation_name = "bid"

    REJECTED_STATUS = {"not_live": 409, "not_eligible": 403, "restricted": 403, "rate_limited": 429}

    def act(self, request, req):
        from bidding.selectors_auction import auction_current

        user = _firm_actor(request)
        if req.method != AUCTION:
            raise InvalidState("该项目不是竞价选取。", code="not_auction")
        auction = auction_current(request=req)
        if auction is None:
            raise InvalidState("竞价尚未安排。", code="not_live")
        body = _body(request)
        answer = ports.bid_place(auction_id=auction.pk, user=user, amount=body.get("amount"),
                                 client_id=body.get("client_id"))
        if not answer.accepted:
            response = Response({"error": {"code": answer.code, "message": answer.message, "fields": {}}},
                                status=self.REJECTED_STATUS.get(answer.code, 400))
            if answer.code == "rate_limited":
                response["Retry-After"] = "1"
            return response
        return Response(s.BidAnswerSerializer({"accepted": True, "client_id": answer.client_id, "seq": answer.seq,
                                               "code": "", "message": "出价已接受。"}).data, status=201)


@extend_schema(summary="对信用记录申诉", tags=["credit"], request=s.ReasonSerializer,
               description="中介机构对本单位的信用记录申诉一次。需 bids:write。",
               responses={201: s.AppealResultSerializer, **errors(*WRITE_ERRORS)})
class CreditAppeal(ApiView):
    operation_name = "credit-appeal"
    parser_classes = [JSONParser]
    required_scopes = {"POST": Scope.BIDS_WRITE}

    def post(self, request, event_id: int):
        appeal = ports.credit_appeal_file(user=_firm_actor(request), event_id=event_id, reason=_text(request, "reason"))
        return Response(s.AppealResultSerializer({"event_id": event_id, "filed_at": appeal.filed_at,
                                                  "answer_due": appeal.answer_due,
                                                  "decision": appeal.status}).data, status=201)


@extend_schema(summary="对评价提出异议", tags=["requests"], request=s.ReasonSerializer,
               description="被评价方在期限内对一条评价提出一次异议。",
               responses={201: s.DisputeResultSerializer, **errors(*WRITE_ERRORS)})
class RatingDispute(ApiView):
    operation_name = "rating-dispute"
    parser_classes = [JSONParser]

    def post(self, request, rating_id: int):
        key = _require_key(request, None)
        if key.is_county:
            raise NotAllowed("县级平台密钥不能代为提出评价异议。", code="not_allowed")
        user = _firm_actor(request) if key.organisation.is_intermediary else _require_owner_key(request)
        dispute = ports.rating_dispute_file(user=user, rating_id=rating_id, reason=_text(request, "reason"))
        return Response(s.DisputeResultSerializer({"rating_id": rating_id, "filed_at": dispute.filed_at,
                                                   "answer_due": dispute.answer_due}).data, status=201)


def _require_owner_key(request):
    _require_key(request, Scope.REQUESTS_WRITE)
    return request.user


# ---------------------------------------------------------------------------------------
# Webhooks


@extend_schema(tags=["webhooks"])
class WebhookList(ApiView):
    operation_name = "webhooks"
    parser_classes = [JSONParser]
    required_scopes = {"GET": Scope.WEBHOOKS, "POST": Scope.WEBHOOKS}

    @extend_schema(summary="本机构的订阅", responses={200: s.WebhookSerializer(many=True), **errors(401, 403, 429)})
    def get(self, request):
        from docking.services import subscriptions_of

        return Response(s.WebhookSerializer(subscriptions_of(key_of(request)), many=True).data)

    @extend_schema(summary="订阅事件推送", request=s.WebhookCreateSerializer,
                   description="返回的 secret 只出现这一次，用于校验 X-Yczjcs-Signature。",
                   responses={201: s.WebhookCreatedSerializer, **errors(*WRITE_ERRORS)})
    def post(self, request):
        from docking.services import webhook_subscribe

        body = _body(request)
        sub = webhook_subscribe(key=key_of(request), url=_text(request, "url"), events=body.get("events"))
        return Response(s.WebhookCreatedSerializer(sub).data, status=201)


@extend_schema(tags=["webhooks"])
class WebhookDetail(ApiView):
    operation_name = "webhook"
    required_scopes = {"GET": Scope.WEBHOOKS, "DELETE": Scope.WEBHOOKS}

    @extend_schema(summary="一个订阅", responses={200: s.WebhookSerializer, **errors(401, 403, 404, 429)})
    def get(self, request, subscription_id: int):
        from docking.services import subscriptions_of

        sub = subscriptions_of(key_of(request)).filter(pk=subscription_id).first()
        if sub is None:
            raise NotFound("订阅不存在。")
        return Response(s.WebhookSerializer(sub).data)

    @extend_schema(summary="删除订阅", responses={204: None, **errors(401, 403, 404, 429)})
    def delete(self, request, subscription_id: int):
        from docking.services import webhook_unsubscribe

        webhook_unsubscribe(key=key_of(request), subscription_id=subscription_id)
        return Response(status=204)


@extend_schema(tags=["webhooks"], summary="恢复已暂停的订阅", request=None,
               responses={200: s.WebhookSerializer, **errors(*WRITE_ERRORS)})
class WebhookResume(ApiView):
    operation_name = "webhook-resume"
    required_scopes = {"POST": Scope.WEBHOOKS}

    def post(self, request, subscription_id: int):
        from docking.services import webhook_resume

        return Response(s.WebhookSerializer(webhook_resume(key=key_of(request), subscription_id=subscription_id)).data)


class DeliveryCursor(Cursor):
    ordering = ("-created_at",)


@extend_schema(tags=["webhooks"], summary="投递记录", parameters=[
    _param("status", "状态", enum=["pending", "delivered", "failed"]), *CURSOR],
    responses={200: s.DeliverySerializer(many=True), **errors(400, 401, 403, 404, 429)})
class DeliveryList(ApiListView):
    operation_name = "webhook-deliveries"
    serializer_class = s.DeliverySerializer
    pagination_class = DeliveryCursor
    required_scopes = {"GET": Scope.WEBHOOKS}

    def get_queryset(self):
        from docking.services import subscriptions_of

        sub = subscriptions_of(key_of(self.request)).filter(pk=self.kwargs["subscription_id"]).first()
        if sub is None:
            raise NotFound("订阅不存在。")
        qs = WebhookDelivery.objects.filter(subscription=sub).select_related("event")
        wanted = _short(self.request, "status")
        return qs.filter(status=wanted) if wanted else qs


@extend_schema(tags=["webhooks"], summary="重新投递", request=None,
               description="同一投递编号、同一请求体再次投递（接收方按编号去重），并重新计算24小时重试期。",
               responses={202: s.DeliverySerializer, **errors(*WRITE_ERRORS)})
class DeliveryRedeliver(ApiView):
    operation_name = "webhook-redeliver"
    required_scopes = {"POST": Scope.WEBHOOKS}

    def post(self, request, delivery_id: str):
        from docking.webhooks import delivery_redeliver

        delivery = delivery_redeliver(key=key_of(request), delivery_id=delivery_id)
        return Response(s.DeliverySerializer(delivery).data, status=202)

