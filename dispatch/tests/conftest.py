import csv
from pathlib import Path

import pytest

from dispatch import catalogue, places, selectors
from dispatch.classifier import train

FIXTURE = Path(__file__).parent / "fixtures" / "messages.csv"


def routed(title: str, place, description: str = "", address: str = ""):
    """The routing of an unsaved appeal: ``candidates_for`` reads only these fields."""
    from types import SimpleNamespace

    from dispatch.routing import candidates_for

    return candidates_for(SimpleNamespace(title=title, description=description, address=address, place=place))


def fixture_rows():
    with open(FIXTURE, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def fixture_texts_labels():
    rows = fixture_rows()
    return [f"{r['标题']}\n{r['内容']}" for r in rows], [r["类别"] for r in rows]


@pytest.fixture(scope="session")
def tiny_model():
    texts, labels = fixture_texts_labels()
    model, metrics = train(texts, labels, folds=3)
    return model


@pytest.fixture
def policy(settings):
    """The shipped routing policy, whatever the developer's environment says: automatic dispatch on,
    at 0.85, within two seconds."""
    settings.DISPATCH_AUTO = True
    settings.DISPATCH_AUTO_THRESHOLD = 0.85
    settings.DISPATCH_ROUTE_SECONDS = 2.0


@pytest.fixture(autouse=True)
def fresh_caches():
    """Per-process caches must not carry one test's database into the next."""
    places.forget_index()
    catalogue.forget_index()
    selectors.forget_model()
    selectors._cache.models.clear()
    selectors._cache.active_id = None
    yield
    places.forget_index()
    catalogue.forget_index()
    selectors.forget_model()
