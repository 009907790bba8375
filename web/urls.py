from django.urls import path

from web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("directory/", views.directory, name="directory"),
    path("healthz", views.healthz, name="healthz"),
]
