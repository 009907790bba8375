"""Where the translation catalogues live: the project's ``locale/`` (the apps that were there first) and
each app's own ``<app>/locale/`` (Django finds these by itself; a new app keeps its words there, so
apps built side by side never edit one file). ``compiletranslations``, the test session and the
catalogue tests read this one list."""

from pathlib import Path

from django.apps import apps
from django.conf import settings


def catalogue_dirs() -> list[Path]:
    dirs = [Path(path) for path in settings.LOCALE_PATHS]
    base = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        app_dir = Path(config.path).resolve()
        if app_dir.parent == base and (app_dir / "locale").is_dir():  # the project's own apps
            dirs.append(app_dir / "locale")
    return dirs


def po_files(language: str = "*") -> list[Path]:
    return [po for d in catalogue_dirs() for po in sorted(d.glob(f"{language}/LC_MESSAGES/django.po"))]
