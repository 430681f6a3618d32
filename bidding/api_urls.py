from django.urls import path

from bidding import api

app_name = "draws-api"

urlpatterns = [
    path("draws/", api.DrawList.as_view(), name="list"),
    path("draws/<str:request_code>/", api.DrawDetail.as_view(), name="detail"),
]
