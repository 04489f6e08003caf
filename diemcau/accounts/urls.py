from django.contrib.auth import views as auth_views
from django.urls import path

from diemcau.accounts import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("mfa/", views.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", views.mfa_setup, name="mfa_setup"),
    path("mfa/recovery-codes/", views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("mfa/disable/", views.mfa_disable, name="mfa_disable"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("session/keepalive/", views.session_keepalive, name="keepalive"),
    path("users/", views.user_list, name="users"),
    path("users/new/", views.user_edit, name="user_add"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/<int:pk>/mfa-reset/", views.user_mfa_reset, name="user_mfa_reset"),
    path("locks/", views.lock_list, name="locks"),
    path("locks/unlock/", views.unlock, name="unlock"),
]
