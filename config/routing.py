"""Websocket routes of every app."""

from django.urls import path

from accounts.consumers import NotificationConsumer
from bidding.consumers import AuctionConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/auctions/<int:auction_id>/", AuctionConsumer.as_asgi()),
]
