"""Open data at fixed addresses: the draw records (`/api/v1/draws/`), one request's OCDS
release package (`/api/v1/requests/<code>/ocds/`), every release since a time
(`/api/v1/ocds/releases/`) and the Atom feed of announcements (`/feeds/announcements/`)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from bidding.methods import DRAW
from bidding.models import Draw
from core.exceptions import NotFound
from docking import ocds, ports
from docking.api import CURSOR, SINCE, ApiView, errors, since_param
from docking.rest import Cursor
from market.models import ServiceRequest
from market.selectors import announcement_list

# ---------------------------------------------------------------------------------------
# Draw records (YCZJCS-DRAW-v1), each exactly as stored, plus `url`


class ExcludedSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="统一社会信用代码")
    reason = serializers.CharField(help_text="排除原因（信用限制、资质过期、回避等）")


class RankingEntrySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="统一社会信用代码")
    score = serializers.CharField(help_text="sha256(bytes.fromhex(seed) + code)，十六进制")


@extend_schema_serializer(component_name="DrawRecord")
class DrawRecordSerializer(serializers.Serializer):
    """The public record of a random draw, as `bidding.draw.build_record` produced and stored
    it, byte for byte the same fields, plus `url`. Re-check it with `tools/verify_draw.py`."""

    algorithm = serializers.CharField(help_text="YCZJCS-DRAW-v1")
    request_code = serializers.CharField(help_text="项目编号")
    commitment = serializers.CharField(help_text="发布时公布的承诺值 sha256(nonce)")
    nonce = serializers.CharField(help_text="选取时公开的32字节随机数（十六进制）")
    pool = serializers.ListField(child=serializers.CharField(), help_text="有效报名机构代码，升序")
    pool_hash = serializers.CharField(help_text="sha256(pool 以换行连接)")
    excluded = ExcludedSerializer(many=True)
    seed = serializers.CharField(help_text='sha256("YCZJCS-DRAW-v1|" + request_code + "|" + pool_hash + "|" + nonce)')
    ranking = RankingEntrySerializer(many=True, help_text="按 (score, code) 升序；第一位为选中机构，其余依次递补")
    drawn_at = serializers.CharField(help_text="选取时间，ISO 8601，带时区")
    url = serializers.URLField(read_only=True, help_text="本记录的 API 地址")

    def to_representation(self, instance: Draw) -> dict:
        # The stored record itself, never re-rendered field by field: what was hashed and
        # published is what is served.
        path = reverse("api:draw-detail", kwargs={"request_code": instance.record["request_code"]})
        request = self.context.get("request")
        return {**instance.record, "url": request.build_absolute_uri(path) if request else path}


class DrawPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema_view(
    get=extend_schema(
        summary="随机选取记录列表",
        description="全部随机选取的公开记录（YCZJCS-DRAW-v1），最新在前，分页。每条可用 tools/verify_draw.py 复核。",
        tags=["draws"],
        responses={200: DrawRecordSerializer(many=True), **errors(401, 404, 429)},
    )
)
class DrawList(ApiView, generics.ListAPIView):
    operation_name = "draws"
    serializer_class = DrawRecordSerializer
    pagination_class = DrawPagination
    queryset = Draw.objects.only("id", "record", "drawn_at").order_by("-drawn_at", "-id")


@extend_schema_view(
    get=extend_schema(
        summary="一个项目的随机选取记录",
        description="项目的随机选取公开记录；选取前为 404（随机数在选取前保密）。",
        tags=["draws"],
        responses={200: DrawRecordSerializer, **errors(401, 404, 429)},
    )
)
class DrawDetail(ApiView, generics.RetrieveAPIView):
    operation_name = "draw"
    serializer_class = DrawRecordSerializer
    queryset = Draw.objects.all()

    def get_object(self) -> Draw:
        code = self.kwargs["request_code"][:24]
        req = ServiceRequest.objects.filter(code=code, method=DRAW).first()
        if req is None:
            raise NotFound("没有该项目的随机选取记录。")
        ports.request_refresh(req)  # the lazy check: a due draw runs before it is read
        draw = Draw.objects.filter(request=req).first()
        if draw is None:
            raise NotFound("该项目尚未进行随机选取。")
        return draw


# ---------------------------------------------------------------------------------------
# OCDS


class RequestOcds(ApiView):
    """An OCDS 1.1 release package for one published request."""

    operation_name = "request-ocds"

    @extend_schema(
        summary="一个项目的 OCDS 1.1 发布包",
        description="开放合同数据标准（OCDS 1.1）release package：招标（采购公告）、授予（选取结果，附随机选取记录"
                    "或竞价出价）与合同（含里程碑）。草稿为 404。",
        tags=["ocds"],
        responses={200: OpenApiTypes.OBJECT, **errors(401, 404, 429)},
    )
    def get(self, request, request_code: str):
        req = (
            ServiceRequest.objects.select_related("owner__region", "selected_firm__region", "service_item")
            .exclude(status=ServiceRequest.Status.DRAFT)
            .filter(code=request_code[:24])
            .first()
        )
        if req is None:
            raise NotFound("项目不存在或尚未发布。")
        ports.request_refresh(req)  # the lazy deadline check: the package shows the state in force
        package = ocds.request_package(req=req, uri=request.build_absolute_uri(), build_uri=request.build_absolute_uri)
        return Response(package, content_type="application/json")


class ReleaseCursor(Cursor):
    ordering = ("status_changed_at", "id")
    page_size = 50


@extend_schema(
    summary="OCDS 发布（按时间增量）",
    description="自 since 起有变化的每个项目的最新 OCDS 1.1 release，按发布时间由旧到新，以 release package 返回；"
                "links.next 为下一页。无新发布时 releases 为空数组。",
    tags=["ocds"], parameters=[SINCE, *CURSOR],
    responses={200: OpenApiTypes.OBJECT, **errors(400, 401, 429)},
)
class OcdsReleases(ApiView):
    operation_name = "ocds-releases"

    def get(self, request):
        paginator = ReleaseCursor()
        page = paginator.paginate_queryset(ocds.releases_since(since=since_param(request)), request, view=self)
        extensions: set[str] = set()
        releases = [ocds.release_of(req, build_uri=request.build_absolute_uri, extensions=extensions) for req in page]
        links = {"next": paginator.get_next_link(), "prev": paginator.get_previous_link()}
        return Response(ocds.package_of(releases=releases, uri=request.build_absolute_uri(), extensions=extensions,
                                        links={k: v for k, v in links.items() if v}),
                        content_type="application/json")


# ---------------------------------------------------------------------------------------
# Atom feed of announcements


class AnnouncementFeed(Feed):
    """`/feeds/announcements/?region=<code>&service_item=<code>`: the 50 latest announcements."""

    feed_type = Atom1Feed
    title = "宜春市网上中介服务超市 · 采购公告"
    subtitle = "涉审中介服务采购公告（可按区划和服务事项筛选）"

    def get_object(self, request):
        def short(name):
            value = (request.GET.get(name) or "").strip()
            if len(value) > 20:
                raise Http404
            return value

        return {"region": short("region"), "service_item": short("service_item")}

    def link(self, obj):
        return reverse("market:announcement_list")

    def items(self, obj):
        return announcement_list(region=obj["region"], service_item=obj["service_item"])[:50]

    def item_title(self, item):
        return f"{item.title}（{item.get_status_display()}）"

    def item_description(self, item):
        deadline = timezone.localtime(item.signup_deadline) if item.signup_deadline else None
        when = f"{deadline:%Y年%m月%d日 %H:%M}" if deadline else "—"
        return (f"项目编号 {item.code} · {item.region.name} · {item.service_item.name} · "
                f"{item.get_method_display()} · 最高限价 {item.ceiling:,.2f} 元 · 报名截止 {when}")

    def item_link(self, item):
        return f"/requests/{item.code}/"

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.status_changed_at or item.published_at

    def item_categories(self, item):
        return [item.region_id, item.service_item.code]


QUERY = OpenApiParameter
