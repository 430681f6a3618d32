from django.urls import path

from market import api

app_name = "market-api"

urlpatterns = [
    path("requests/<str:request_code>/ocds/", api.RequestOcds.as_view(), name="request-ocds"),
]
