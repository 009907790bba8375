"""The Django admin shows events and their sign-ups read-only: every change goes through the organisers'
pages (events.services), which check the actor and keep the timeline."""

from django.contrib import admin

from events.models import Event, Signup


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["title", "kind", "unit", "state", "starts_at", "confirmed", "capacity"]
    list_filter = ["state", "kind"]
    search_fields = ["title", "place"]


@admin.register(Signup)
class SignupAdmin(ReadOnly):
    list_display = ["code", "event", "shown_name", "is_team", "people", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["code"]
