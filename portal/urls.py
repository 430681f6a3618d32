from django.urls import path

from portal.views import (
    award_notice,
    guide,
    home,
    notice_detail,
    policies,
    registry,
    registry_detail,
    result_notice,
    results,
)

app_name = "portal"

urlpatterns = [
    path("", home, name="home"),
    path("results/", results, name="results"),
    path("guide/", guide, name="guide"),
    path("notices/", policies, name="notices"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("registry/", registry, name="registry"),
    path("registry/<int:pk>/", registry_detail, name="registry_detail"),
    path("requests/<str:code>/award-notice.pdf", award_notice, name="award_notice_pdf"),
    path("requests/<str:code>/result-notice.pdf", result_notice, name="result_notice_pdf"),
]
