"""Sign-in and sign-out, at the site root (/login/, /login/resident/, /logout/), the privacy notice
(/privacy/) and the elder-mode switch (/care-mode/)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("login/resident/", views.resident_login, name="resident_login"),
    path("logout/", views.logout_view, name="logout"),
    path("privacy/", views.privacy_notice, name="privacy"),
    path("care-mode/", views.care_mode, name="care_mode"),
]
