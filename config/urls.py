from django.contrib import admin
from django.urls import include, path

from config import health
from operations.metrics import metrics_view

admin.site.site_header = "宜春市网上中介服务超市 · 后台数据管理"
admin.site.site_title = "宜春市网上中介服务超市"
admin.site.index_title = "后台数据（业务流程请在前台办理）"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("captcha/", include("captcha.urls")),
    path("api/v1/", include("docking.api_urls")),
    path("api/v1/", include("audit.api_urls")),
    path("", include("docking.urls")),
    path("", include("audit.urls")),
    path("", include("bidding.urls")),
    path("", include("credit.urls")),
    path("", include("ratings.urls")),
    path("", include("supervision.urls")),
    path("", include("portal.urls")),
    path("", include("market.urls")),
]
