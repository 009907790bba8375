"""System notes that every reader reads in their own language.

A note the platform writes itself ("Dispatched automatically (model v3, confidence 92%).") is kept as
its message and values — ``[{"m": msgid, "p": {name: value or another note}}, …]`` — beside the text
in the platform's default language, which searches and exports use. Pages render it again in the
reader's language, so a timeline never mixes 已自动派单 into an English page or English into a Chinese
one. Call sites mark the msgid with ``gettext_noop`` so that it is in the catalogues."""

from django.conf import settings
from django.utils.translation import gettext, override

KEY = "note_i18n"


def note(msgid: str, **params) -> dict:
    """One sentence of a system note; a value may itself be a note (a translated phrase)."""
    return {"m": msgid, "p": params}


def is_note(value) -> bool:
    return isinstance(value, list) and all(isinstance(part, dict) and "m" in part for part in value)


def render(parts: list[dict]) -> str:
    """The note in the active language."""

    def one(part: dict) -> str:
        params = {name: one(value) if isinstance(value, dict) and "m" in value else value
                  for name, value in (part.get("p") or {}).items()}
        text = gettext(part["m"])
        try:
            return text % params if params else text
        except (KeyError, TypeError, ValueError):  # a catalogue that lost a placeholder: the message as written
            return part["m"] % params if params else part["m"]

    return " ".join(one(part) for part in parts)


def default_text(parts: list[dict]) -> str:
    """The note in the platform's default language, as stored for search and export."""
    with override(settings.LANGUAGE_CODE):
        return render(parts)


def shown(text: str, data: dict | None) -> str:
    """What a reader sees of a stored note: re-rendered in their language when it is a system note."""
    parts = (data or {}).get(KEY)
    return render(parts) if is_note(parts) else text


def phrase(label) -> dict:
    """A lazily translated label (a TextChoices label, a gettext_lazy string) as a note value: kept as
    its msgid, so that it is translated for each reader too."""
    with override(None):
        return note(str(label))
