from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from config import health

admin.site.site_header = "宜春市网上中介服务超市 · 后台数据管理"
admin.site.site_title = "宜春市网上中介服务超市"
admin.site.index_title = "后台数据（业务流程请在前台办理）"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="api-schema"),
    path("api/v1/", include("market.api_urls")),
    path("api/v1/", include("bidding.api_urls")),
    path("", include("bidding.urls")),
    path("", include("credit.urls")),
    path("", include("ratings.urls")),
    path("", include("portal.urls")),
    path("", include("market.urls")),
]
