"""Staff pages of dispatch, under /dispatch/ (namespace "dispatch")."""

from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("hotspots/", views.hotspots, name="hotspots"),
    path("hotspots/topic/", views.topic_create, name="topic_create"),
    path("topics/", views.topics, name="topics"),
    path("topics/<int:pk>/", views.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/status/", views.topic_update, name="topic_update"),
    path("catalogue/", views.catalogue, name="catalogue"),
]
