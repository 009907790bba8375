"""Reads of the dispatch app: the active classifier (loaded once per process), and ``suggest``, the
ranked departments or categories for an appeal's text from the catalogue, the model, or both.

``suggest`` never raises because of the model: a missing, unreadable or failing model leaves the
catalogue's suggestions (possibly none), and ``model_status`` says why, so that the caller can send
the appeal to the manual queue with a reason.
"""

import logging
import threading
import time
from dataclasses import dataclass, field

from django.db.models import QuerySet

from core.text import normalize
from dispatch import catalogue
from dispatch.classifier import ModelError, TextClassifier
from dispatch.models import ClassifierVersion, TrainingExample
from orgs.models import Department

logger = logging.getLogger(__name__)

# How often a process asks the database which version is active (activation in this process is
# seen at once; in another process within this many seconds).
CHECK_SECONDS = 10
# The catalogue's share of a combined confidence when a model is active and a phrase matched.
CATALOGUE_SHARE = 0.3


@dataclass(frozen=True)
class LoadedModel:
    version_id: int
    version: int
    classifier: TextClassifier
    departments: dict  # label → Department, for models whose labels are department codes


@dataclass(frozen=True)
class Suggestion:
    label: str  # the category, or the department's code
    department: Department | None
    confidence: float
    reasons: tuple[str, ...] = field(default=())  # the phrases matched / the words that drove the model
    source: str = "model"  # "catalogue" | "model" | "combined"
    model_version: int | None = None

    @property
    def target(self) -> str:
        return self.department.name if self.department else self.label


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.checked = 0.0
        self.active_id: int | None = None
        self.models: dict[int, LoadedModel] = {}  # keyed by version id; only the active one is kept
        self.status = "no model"


_cache = _Cache()


def forget_model() -> None:
    """Make the next call ask the database again (after an activation in this process)."""
    _cache.checked = 0.0


def active_model() -> LoadedModel | None:
    """The active version, loaded once per process and reloaded when another version is activated."""
    now = time.monotonic()
    if now - _cache.checked < CHECK_SECONDS:
        return _cache.models.get(_cache.active_id) if _cache.active_id else None
    with _cache.lock:
        if time.monotonic() - _cache.checked < CHECK_SECONDS:
            return _cache.models.get(_cache.active_id) if _cache.active_id else None
        active = ClassifierVersion.objects.filter(is_active=True).values_list("pk", "version").first()
        if active is None:
            _cache.active_id, _cache.models, _cache.status = None, {}, "no model"
        elif active[0] not in _cache.models:
            pk, number = active
            try:
                blob = ClassifierVersion.objects.values_list("model", flat=True).get(pk=pk)
                model = TextClassifier.loads(blob)
            except (ModelError, ClassifierVersion.DoesNotExist) as exc:
                logger.error("dispatch model v%s cannot be loaded: %s", number, exc)
                _cache.active_id, _cache.models, _cache.status = None, {}, f"model v{number} unreadable: {exc}"
            else:
                departments = {d.code: d for d in Department.objects.filter(code__in=model.labels, is_active=True)
                               .select_related("unit")}
                _cache.models = {pk: LoadedModel(pk, number, model, departments)}
                _cache.active_id, _cache.status = pk, f"model v{number}"
        _cache.checked = time.monotonic()
        return _cache.models.get(_cache.active_id) if _cache.active_id else None


def model_status() -> str:
    """A short reason for the dispatch event: "model v3", "no model", "model v3 unreadable: …"."""
    active_model()
    return _cache.status


def suggest(text: str, *, unit=None, k: int = 3) -> list[Suggestion]:
    """Ranked suggestions for an appeal's text (title and description together), best first.

    Without an active model the catalogue decides alone. With one, each target's confidence is the
    model's probability, blended with the catalogue's share (``CATALOGUE_SHARE``) when a catalogue
    phrase matched; a target both name is marked "combined" and is never less likely than the model
    alone said. ``unit``, the place the appeal concerns,
    keeps department suggestions to departments of that place's chain of units.
    """
    analysis = normalize(text, mask=False)
    hits = catalogue.match(analysis, unit=unit, normalized=True)
    cat = catalogue.evidence(hits)
    departments = {d.pk: d for d in Department.objects.filter(pk__in={dep for _lab, dep in cat if dep})
                   .select_related("unit")} if cat else {}

    loaded = None
    model_scores = []
    try:
        loaded = active_model()
        if loaded is not None:
            model_scores = loaded.classifier.top(text, k=max(k, len(loaded.classifier.labels)), n_words=5)
            _cache.status = f"model v{loaded.version}"  # working again after an earlier failure
    except Exception:  # noqa: BLE001 - a failing model must never lose an appeal: fall back to the catalogue
        logger.exception("dispatch model failed on a text; using the catalogue alone")
        _cache.status = "model failed"
        loaded, model_scores = None, []

    # Targets keyed by department (when known) or label; each collects model and catalogue evidence.
    targets: dict[str, dict] = {}

    def slot(key: str, label: str, department: Department | None) -> dict:
        entry = targets.setdefault(key, {"label": label, "department": department, "model": 0.0, "cat": 0.0,
                                         "words": (), "phrases": []})
        if department is not None and entry["department"] is None:
            entry["department"] = department
        return entry

    for score in model_scores:
        department = loaded.departments.get(score.label)
        if department is not None and unit is not None and not unit.path.startswith(department.unit.path):
            continue  # a department of another place cannot handle this appeal
        key = f"dept:{department.pk}" if department else f"label:{score.label}"
        entry = slot(key, score.label, department)
        entry["model"], entry["words"] = score.confidence, score.words
    for (label, department_id), (share, phrases) in cat.items():
        department = departments.get(department_id)
        if department_id and department is None:
            continue
        entry = slot(f"label:{label}" if label else f"dept:{department_id}", label or department.code, department)
        entry["cat"] += share
        entry["phrases"] += phrases

    weight = CATALOGUE_SHARE if (loaded is not None and cat) else (1.0 if loaded is None else 0.0)
    suggestions = []
    for entry in targets.values():
        if loaded is None:
            confidence = entry["cat"]
        else:
            confidence = (1 - weight) * entry["model"] + weight * entry["cat"]
            if entry["model"] > 0 and entry["cat"] > 0:
                # Both point here: agreement never makes the platform less sure than the model alone.
                confidence = max(confidence, entry["model"])
        if confidence <= 0:
            continue
        has_model, has_cat = entry["model"] > 0 and loaded is not None, entry["cat"] > 0
        source = "combined" if has_model and has_cat else ("model" if has_model else "catalogue")
        reasons = tuple(entry["phrases"]) + tuple(w for w in entry["words"] if w not in entry["phrases"])
        suggestions.append(Suggestion(label=entry["label"], department=entry["department"],
                                      confidence=round(float(confidence), 4), reasons=reasons, source=source,
                                      model_version=loaded.version if loaded and has_model else None))
    suggestions.sort(key=lambda s: (-s.confidence, s.source != "combined", s.label))
    return suggestions[:k]


def training_examples() -> QuerySet[TrainingExample]:
    return TrainingExample.objects.all()


def catalogue_entries_visible_to(user, *, query: str = "") -> QuerySet:
    """The active lines of the responsibility catalogue (派单目录) ``user`` may read: those of the
    departments in their scope, and those naming only a kind of department (they apply everywhere).
    ``query`` finds a phrase (simplified or traditional) or a department's name."""
    from django.db.models import Q

    from dispatch.models import CatalogueEntry
    from orgs.selectors import departments_visible_to

    qs = CatalogueEntry.objects.filter(is_active=True).filter(
        Q(department__isnull=True) | Q(department__in=departments_visible_to(user))
    ).select_related("department__unit")
    text = normalize(query or "").strip()
    if text:
        qs = qs.filter(Q(phrase__icontains=text) | Q(department__name__icontains=text)
                       | Q(note__icontains=text))
    return qs.order_by("phrase", "pk")
