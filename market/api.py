"""Public HTTP API of the market (open data; no login)."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from market.models import ServiceRequest
from market.ocds import request_ocds_package
from market.services_requests import request_refresh


class RequestOcds(APIView):
    """An OCDS 1.1 release package for one published request."""

    @extend_schema(
        summary="一个项目的 OCDS 1.1 发布包",
        description="开放合同数据标准（OCDS 1.1）release package：招标（采购公告）、授予（选取结果）与合同。草稿为 404。",
        tags=["ocds"],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, request_code: str):
        req = (
            ServiceRequest.objects.select_related("owner__region", "selected_firm__region", "service_item")
            .exclude(status=ServiceRequest.Status.DRAFT)
            .filter(code=request_code)
            .first()
        )
        if req is None:
            raise Http404
        request_refresh(req)  # the lazy deadline check: the package shows the state in force
        package = request_ocds_package(request=req, uri=request.build_absolute_uri())
        return Response(package, content_type="application/json")
