from market.views import bureau, firm, lifecycle, owner, public

app_name = "market"

urlpatterns = lifecycle.urlpatterns + public.urlpatterns + owner.urlpatterns + firm.urlpatterns + bureau.urlpatterns
