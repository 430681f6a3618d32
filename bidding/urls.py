from django.urls import path

from bidding import views

app_name = "bidding"

urlpatterns = [
    path("requests/<str:code>/draw/", views.draw_result, name="draw_result"),
    path("requests/<str:code>/auction/", views.auction_room, name="auction_room"),
]
