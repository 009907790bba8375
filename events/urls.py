"""events's pages under /events/ (namespace "events")."""

app_name = "events"

urlpatterns = []
