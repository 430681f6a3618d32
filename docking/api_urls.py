from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from docking import api, open_data

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # reference and public data
    path("regions/", api.RegionList.as_view(), name="regions"),
    path("catalogue/", api.CatalogueList.as_view(), name="catalogue"),
    path("registry/", api.RegistryList.as_view(), name="registry"),
    path("registry/<str:uscc>/", api.RegistryDetail.as_view(), name="registry-detail"),
    path("announcements/", api.AnnouncementList.as_view(), name="announcements"),
    path("results/", api.ResultList.as_view(), name="results"),
    path("credit/", api.CreditList.as_view(), name="credit"),
    path("credit/events/<int:event_id>/appeal/", api.CreditAppeal.as_view(), name="credit-appeal"),
    path("statistics/", api.Statistics.as_view(), name="statistics"),
    path("draws/", open_data.DrawList.as_view(), name="draws"),
    path("draws/<str:request_code>/", open_data.DrawDetail.as_view(), name="draw-detail"),
    path("ocds/releases/", open_data.OcdsReleases.as_view(), name="ocds-releases"),
    # requests
    path("requests/", api.MyRequestList.as_view(), name="requests"),
    path("requests/by-external-id/<str:external_id>/", api.CountyPush.as_view(), name="county-push"),
    path("requests/<str:request_code>/ocds/", open_data.RequestOcds.as_view(), name="request-ocds"),
    path("requests/<str:code>/", api.RequestDetail.as_view(), name="request-detail"),
    path("requests/<str:code>/publish/", api.RequestPublish.as_view(), name="request-publish"),
    path("requests/<str:code>/cancel/", api.RequestCancel.as_view(), name="request-cancel"),
    path("requests/<str:code>/republish/", api.RequestRepublish.as_view(), name="request-republish"),
    path("requests/<str:code>/confirm/", api.RequestConfirm.as_view(), name="request-confirm"),
    path("requests/<str:code>/direct-pick/", api.RequestDirectPick.as_view(), name="request-direct-pick"),
    path("requests/<str:code>/accept/", api.RequestAccept.as_view(), name="request-accept"),
    path("requests/<str:code>/contract/", api.ContractUpload.as_view(), name="contract-upload"),
    path("requests/<str:code>/result/", api.ResultDeliver.as_view(), name="result-deliver"),
    path("requests/<str:code>/termination/", api.TerminationAsk.as_view(), name="termination-ask"),
    path("requests/<str:code>/objection/", api.ObjectionLodge.as_view(), name="objection-lodge"),
    path("requests/<str:code>/signup/", api.SignUpCreate.as_view(), name="signup"),
    path("requests/<str:code>/decline/", api.RequestDecline.as_view(), name="request-decline"),
    path("requests/<str:code>/rating/", api.RatingSubmit.as_view(), name="rating-submit"),
    path("requests/<str:code>/bids/", api.BidPlace.as_view(), name="bid-place"),
    path("requests/<str:code>/auction/ladder/", api.AuctionLadder.as_view(), name="auction-ladder"),
    path("ratings/<int:rating_id>/dispute/", api.RatingDispute.as_view(), name="rating-dispute"),
    # webhooks
    path("webhooks/", api.WebhookList.as_view(), name="webhooks"),
    path("webhooks/<int:subscription_id>/", api.WebhookDetail.as_view(), name="webhook"),
    path("webhooks/<int:subscription_id>/resume/", api.WebhookResume.as_view(), name="webhook-resume"),
    path("webhooks/<int:subscription_id>/deliveries/", api.DeliveryList.as_view(), name="webhook-deliveries"),
    path("webhooks/deliveries/<str:delivery_id>/redeliver/", api.DeliveryRedeliver.as_view(),
         name="webhook-redeliver"),
]
