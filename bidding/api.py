"""Public HTTP API of the random draws (open data; no login)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination

from bidding.methods import DRAW
from bidding.models import Draw
from bidding.serializers import DrawRecordSerializer
from market.models import ServiceRequest
from market.services_requests import request_refresh


class DrawPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


@extend_schema_view(
    get=extend_schema(
        summary="随机选取记录列表",
        description="全部随机选取的公开记录（YCZJCS-DRAW-v1），最新在前，分页。每条可用 tools/verify_draw.py 复核。",
        tags=["draws"],
    )
)
class DrawList(generics.ListAPIView):
    serializer_class = DrawRecordSerializer
    pagination_class = DrawPagination
    queryset = Draw.objects.only("id", "record", "drawn_at").order_by("-drawn_at", "-id")


@extend_schema_view(
    get=extend_schema(
        summary="一个项目的随机选取记录",
        description="项目的随机选取公开记录；选取前为 404（随机数在选取前保密）。",
        tags=["draws"],
    )
)
class DrawDetail(generics.RetrieveAPIView):
    serializer_class = DrawRecordSerializer
    lookup_field = "request__code"
    lookup_url_kwarg = "request_code"
    queryset = Draw.objects.all()

    def get_object(self) -> Draw:
        code = self.kwargs["request_code"]
        req = ServiceRequest.objects.filter(code=code, method=DRAW).first()
        if req is None:
            raise Http404
        request_refresh(req)  # the lazy check: a due draw runs before it is read
        draw = Draw.objects.filter(request=req).first()
        if draw is None:
            raise Http404
        return draw
