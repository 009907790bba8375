"""Suggestion reasons, kept as core.notes parts, rendered in the reader's language."""

from django import template

from core.notes import render

register = template.Library()


@register.filter
def note_text(part) -> str:
    return render([part]) if isinstance(part, dict) else str(part)
