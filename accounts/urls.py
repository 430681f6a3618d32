from django.urls import path

from accounts import oidc, views, views_owner, views_people

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("inbox/", views.inbox, name="inbox"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("oidc/login/", oidc.oidc_login, name="oidc_login"),
    path("oidc/callback/", oidc.oidc_callback, name="oidc_callback"),
    path("2fa/setup/", views.otp_setup, name="otp_setup"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("owner/register/", views_owner.owner_register_view, name="owner_register"),
    path("owner/", views_owner.owner_status, name="owner_status"),
    path("owner-applications/", views_owner.owner_applications, name="owner_applications"),
    path("owner-applications/<int:pk>/", views_owner.owner_application_detail, name="owner_application_detail"),
    path("people/", views_people.people, name="people"),
    path("bureau-staff/", views_people.bureau_staff, name="bureau_staff"),
]
