"""Small template helpers for the layout and the pages that extend it."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(value) -> int:
    """Whole minutes in a timedelta, rounded up (a lockout of 14.5 minutes reads as 15)."""
    if not isinstance(value, timedelta):
        return 0
    seconds = int(value.total_seconds())
    return max(0, -(-seconds // 60))
