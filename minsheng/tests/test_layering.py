"""The house's layering, checked: no module imports an app above its own (function-level imports
included), peers never import each other's models, and no template extends, includes or links to a
page of a higher app. The order is minsheng/layers.py, which ARCHITECTURE.md describes."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from minsheng.layers import LAYERS, PROJECT, local_apps, rank

ROOT = Path(settings.BASE_DIR)
TEMPLATE_TAG = re.compile(r"{%\s*(extends|include)\s+[\"']([^\"']+)[\"']")
URL_TAG = re.compile(r"{%\s*url\s+[\"']([^\"']+)[\"']")


def imported_modules(source: str, module: str) -> list[tuple[int, str]]:
    """Every module ``source`` imports, anywhere in it (functions and branches too), absolute."""
    found = []
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if "." in name:
                found.append((node.lineno, name))
            else:  # "from dispatch import models" imports dispatch.models
                found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def violations(app: str, module: str, source: str) -> list[str]:
    """What ``module`` (of ``app``) imports against the layering."""
    own = rank(app)
    problems = []
    for line, name in imported_modules(source, module):
        parts = name.split(".")
        other = parts[0]
        other_rank = rank(other)
        if other == app or other_rank is None:
            continue
        if other_rank > own:
            problems.append(f"{module}:{line} imports {name} ({other} is above {app})")
        elif other_rank == own and other != PROJECT and len(parts) > 1 and parts[1] == "models":
            problems.append(f"{module}:{line} imports {name} (a peer's models)")
    return problems


def python_files(app: str):
    """The app's modules, migrations included. Not its tests: a test may drive the app through a layer
    above it (an API test needs an API credential of accounts, a test of orgs' API among them)."""
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT).with_suffix("")
        if "tests" in relative.parts:
            continue
        yield ".".join(relative.parts), path


def test_every_app_of_the_project_has_a_layer():
    ours = [config.name for config in apps.get_app_configs() if (ROOT / config.name).is_dir()
            and Path(config.path).is_relative_to(ROOT)]
    missing = [name for name in ours if name not in local_apps()]
    assert missing == [], f"add {missing} to minsheng/layers.py and ARCHITECTURE.md"


def test_architecture_document_lists_the_layers_in_order():
    text = (ROOT / "ARCHITECTURE.md").read_text().split("## The order of the apps", 1)[-1]
    positions = [text.find(f"`{layer[0]}`") for layer in LAYERS]
    assert -1 not in positions, "ARCHITECTURE.md names every layer"
    assert positions == sorted(positions), "ARCHITECTURE.md lists the layers highest first, as minsheng/layers.py"


@pytest.mark.parametrize("app", [*local_apps(), PROJECT])
def test_no_module_imports_a_higher_app(app):
    problems = []
    for module, path in python_files(app):
        problems += violations(app, module, path.read_text())
    assert problems == []


def test_the_check_catches_a_back_import():
    """The test above would fail: each kind of back-import is caught, where the import stands."""
    source = (
        "import core.text\n"
        "from orgs.models import Unit\n"
        "def route():\n"
        "    from dispatch.routing import route_appeal\n"
        "    if True:\n"
        "        import web.views\n"
    )
    found = violations("appeals", "appeals.services", source)
    assert found == [
        "appeals.services:4 imports dispatch.routing (dispatch is above appeals)",
        "appeals.services:6 imports web.views (web is above appeals)",
    ]
    assert violations("orgs", "orgs.api", "from accounts import apikeys\n") == [
        "orgs.api:1 imports accounts.apikeys (accounts is above orgs)",
    ]
    assert violations("open311", "open311.views", "from web.models import Thing\n") == [
        "open311.views:1 imports web.models (a peer's models)",
    ]
    assert violations("open311", "open311.views", "from web import models\n") == [
        "open311.views:1 imports web.models (a peer's models)",
    ]
    assert violations("appeals", "appeals.views.staff", "from . import selectors\nfrom ..dispatch import x\n") == []


def _template_owners() -> dict[str, str]:
    """The app whose templates/ folder holds each template name."""
    owners = {}
    for app in local_apps():
        folder = ROOT / app / "templates"
        for path in folder.rglob("*.html") if folder.is_dir() else []:
            owners.setdefault(str(path.relative_to(folder)), app)
    return owners


def _url_owners() -> dict[str, str]:
    """The app whose view answers each URL name ("namespace:name" where namespaced)."""
    owners = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                module = getattr(pattern.callback, "__module__", "") or ""
                owners.setdefault(namespace + pattern.name, module.split(".")[0])

    walk(get_resolver().url_patterns, "")
    return owners


@pytest.mark.parametrize("app", local_apps())
def test_no_template_depends_on_a_higher_app(app):
    folder = ROOT / app / "templates"
    if not folder.is_dir():
        return
    templates, urls = _template_owners(), _url_owners()
    problems = []
    for path in sorted(folder.rglob("*.html")):
        text = path.read_text()
        name = path.relative_to(folder)
        for _tag, other in TEMPLATE_TAG.findall(text):
            owner = templates.get(other)
            if owner and rank(owner) > rank(app):
                problems.append(f"{app}/templates/{name} uses {other} of {owner}")
        for url_name in URL_TAG.findall(text):
            owner = urls.get(url_name)
            if owner and rank(owner) is not None and rank(owner) > rank(app):
                problems.append(f"{app}/templates/{name} links to {url_name} of {owner}")
    assert problems == []
