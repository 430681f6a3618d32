"""Public HTTP API of the published audit heads (open data; no login).

Anyone may fetch and keep these values: a later rewrite of any record up to a published
day changes that day's root and every root after it."""

from datetime import date

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from audit.models import ChainHead, DailyRoot
from audit.serializers import ChainHeadSerializer, DailyRootSerializer


def parse_day(value: str) -> date | None:
    """`YYYY-MM-DD` as a date, or None when it is not one."""
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


class RootPagination(PageNumberPagination):
    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = 366


class HeadPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


@extend_schema_view(
    get=extend_schema(
        summary="审计链每日根哈希列表",
        description="每日（北京时间）公布的根哈希，最新在前，分页。根哈希由前一日根哈希与当日各链链头算出，"
                    "保存任一日的值即可在日后发现该日及以前任何审计记录被改写。",
        tags=["audit"],
    )
)
class RootList(generics.ListAPIView):
    serializer_class = DailyRootSerializer
    pagination_class = RootPagination
    queryset = DailyRoot.objects.order_by("-day")


@extend_schema_view(
    get=extend_schema(
        summary="某一日的根哈希",
        description="日期格式 YYYY-MM-DD；未公布的日期为 404。",
        tags=["audit"],
    )
)
class RootDetail(generics.RetrieveAPIView):
    serializer_class = DailyRootSerializer

    def get_object(self) -> DailyRoot:
        day = parse_day(self.kwargs["day"])
        root = DailyRoot.objects.filter(day=day).first() if day else None
        if root is None:
            raise Http404
        return root


@extend_schema_view(
    get=extend_schema(
        summary="公布的链头",
        description="按日期（day）或链名（chain）筛选公布的链头，按日期、链名排序，分页。"
                    "某链在某日的链头为该链在该日及以前最近一次公布的值。",
        tags=["audit"],
        parameters=[
            OpenApiParameter("day", OpenApiTypes.DATE, description="日期 YYYY-MM-DD（北京时间）"),
            OpenApiParameter("chain", OpenApiTypes.STR, description="链名，如 request:YC20261203ABCDE"),
        ],
    )
)
class HeadList(generics.ListAPIView):
    serializer_class = ChainHeadSerializer
    pagination_class = HeadPagination

    def get_queryset(self):
        qs = ChainHead.objects.order_by("day", "chain")
        raw_day = self.request.query_params.get("day")
        if raw_day is not None:
            day = parse_day(raw_day)
            if day is None:
                raise ValidationError({"day": ["日期格式应为 YYYY-MM-DD。"]})
            qs = qs.filter(day=day)
        chain = self.request.query_params.get("chain")
        if chain is not None:
            chain = chain.strip()
            if not chain or len(chain) > 60:
                raise ValidationError({"chain": ["链名应为 1 至 60 个字符。"]})
            qs = qs.filter(chain=chain)
        return qs
