"""Sign-in and sign-out, at the site root (/login/, /login/resident/, /logout/)."""

from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.staff_login, name="login"),
    path("login/resident/", views.resident_login, name="resident_login"),
    path("logout/", views.logout_view, name="logout"),
]
