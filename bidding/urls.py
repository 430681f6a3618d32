from django.urls import path

from bidding import views

app_name = "bidding"

urlpatterns = [
    path("requests/<str:code>/draw/", views.draw_result, name="draw_result"),
    path("requests/<str:code>/auction/", views.auction_room, name="auction_room"),
    path("requests/<str:code>/direct-pick/", views.direct_pick, name="direct_pick"),
    path("bureau/direct-pick-policies/", views.bureau_direct_pick_policies, name="bureau_direct_pick_policies"),
    path("bureau/direct-picks/", views.bureau_direct_picks, name="bureau_direct_picks"),
]
