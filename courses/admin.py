"""The Django admin of courses: for reading. Every change goes through the staff pages, which call the
services (permission, audit); the admin offers no add, change or delete that would bypass them."""

from django.contrib import admin

from courses.models import Course, Enrolment, Lesson


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ["title", "centre", "category", "mode", "status", "enrolled", "capacity"]
    list_filter = ["status", "category", "mode"]
    search_fields = ["title", "centre"]


@admin.register(Lesson)
class LessonAdmin(ReadOnlyAdmin):
    list_display = ["title", "course", "kind", "size", "created_at"]


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ["code", "course", "state", "created_at", "completed_at"]
    list_filter = ["state"]
