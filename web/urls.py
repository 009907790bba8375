from django.urls import path

from web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.staff_login, name="login"),
    path("login/resident/", views.resident_login, name="resident_login"),
    path("logout/", views.logout_view, name="logout"),
    path("directory/", views.directory, name="directory"),
    path("healthz", views.healthz, name="healthz"),
]
