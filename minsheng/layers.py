"""The order of Minsheng's apps, highest first: an app may import the apps in the layers below its own,
never one above it (``minsheng/tests/test_layering.py`` reads every module's imports and every template
to hold this). Apps in one layer are peers: they may call each other's services and selectors, never
each other's models. A new app adds itself here, in the layer ARCHITECTURE.md gives it."""

PROJECT = "minsheng"  # settings, URLs and the API's assembly: above every app

LAYERS: list[tuple[str, ...]] = [
    ("web", "open311"),  # faces and adapters: role homes, dashboards, GeoReport v2
    # Feature apps, peers: each links to the others only through their services and selectors.
    ("dispatch", "care", "volunteers", "facilities", "deliberation", "employment", "courses", "events"),
    ("targets",),  # 民生实事 targets and the indicator registry the feature apps fill
    ("appeals",),  # the demand loop: intake, lifecycle, deadlines, KPIs, outbox
    ("accounts",),  # users, residents' sign-in, API credentials
    ("orgs",),  # units, departments, memberships, the scope rule
    ("core",),  # errors, audit, encryption, text, xlsx, the page shell and menu registry
]


def rank(app: str) -> int | None:
    """0 for the lowest layer (core), higher above it; the project above all; None for other packages."""
    if app == PROJECT:
        return len(LAYERS)
    for index, layer in enumerate(LAYERS):
        if app in layer:
            return len(LAYERS) - 1 - index
    return None


def local_apps() -> list[str]:
    return [app for layer in LAYERS for app in layer]
