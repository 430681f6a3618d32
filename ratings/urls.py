"""Addresses of the ratings pages."""

from django.urls import path

from ratings.views import rating_list, request_ratings

app_name = "ratings"

urlpatterns = [
    path("ratings/", rating_list, name="list"),
    path("ratings/<str:code>/", request_ratings, name="request"),
]
