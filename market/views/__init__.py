"""Views of the market, one module per audience; each module declares its `urlpatterns`."""
