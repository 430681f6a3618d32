from django.urls import path

from bidding import views, views_comparison

app_name = "bidding"

urlpatterns = [
    path("requests/<str:code>/draw/", views.draw_result, name="draw_result"),
    path("requests/<str:code>/auction/", views.auction_room, name="auction_room"),
    path("requests/<str:code>/comparison/", views_comparison.comparison, name="comparison"),
    path("requests/<str:code>/comparison/criteria/", views_comparison.comparison_criteria, name="comparison_criteria"),
    path("requests/<str:code>/comparison/quote/", views_comparison.comparison_quote, name="comparison_quote"),
    path("requests/<str:code>/comparison/score/", views_comparison.comparison_score, name="comparison_score"),
    path("requests/<str:code>/comparison/documents/<int:quote_id>/", views_comparison.comparison_document,
         name="comparison_document"),
    path("requests/<str:code>/direct-pick/", views.direct_pick, name="direct_pick"),
    path("bureau/direct-pick-policies/", views.bureau_direct_pick_policies, name="bureau_direct_pick_policies"),
    path("bureau/direct-picks/", views.bureau_direct_picks, name="bureau_direct_picks"),
]
