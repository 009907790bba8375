"""courses's pages under /courses/ (namespace "courses")."""

app_name = "courses"

urlpatterns = []
