from market.views import bureau, firm, owner, public

app_name = "market"

urlpatterns = public.urlpatterns + owner.urlpatterns + firm.urlpatterns + bureau.urlpatterns
