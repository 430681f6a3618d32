from django.urls import path

from audit import api

app_name = "audit-api"

urlpatterns = [
    path("audit/roots/", api.RootList.as_view(), name="roots"),
    path("audit/roots/<str:day>/", api.RootDetail.as_view(), name="root"),
    path("audit/heads/", api.HeadList.as_view(), name="heads"),
]
