from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("audit/heads/", views.heads, name="heads"),
    path("audit/heads/<str:day>/", views.heads_day, name="heads_day"),
]
