"""The responsibility catalogue (权责清单 / 派单目录) at work: which entries an appeal's text mentions,
the evidence they give each department or category, and the xlsx importer administrators use.

Phrases are compared in their normalised form, so a traditional-Chinese or full-width appeal matches
a simplified catalogue. The matcher is cached per process and rebuilt when an entry changes.
"""

import threading
import time
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import BadInput
from core.text import normalize
from core.xlsx import Column, Importer, Row, code_text, parse_decimal
from orgs.models import Department

INDEX_SECONDS = 300
# Pseudo-count of evidence no phrase explains: one short phrase alone does not make the platform sure.
PRIOR_EVIDENCE = 2.0


@dataclass(frozen=True)
class CatalogueHit:
    phrase: str
    department_id: int | None
    department_path: str | None  # the department's unit path, to keep to a place's chain of units
    label: str
    weight: float


@dataclass
class _Index:
    built: float
    entries: list[CatalogueHit]


_lock = threading.Lock()
_index: _Index | None = None


def forget_index(**_kwargs) -> None:
    global _index
    _index = None


def _get_index() -> _Index:
    global _index
    index = _index
    if index is None or time.monotonic() - index.built > INDEX_SECONDS:
        with _lock:
            from dispatch.models import CatalogueEntry

            rows = CatalogueEntry.objects.filter(is_active=True).filter(
                Q(department__isnull=True) | Q(department__is_active=True)).select_related("department__unit")
            entries = [
                CatalogueHit(normalize(row.phrase, mask=False), row.department_id,
                             row.department.unit.path if row.department_id else None, row.label, row.weight)
                for row in rows
            ]
            # Longer phrases first: the more specific wording is reported first in reasons.
            entries.sort(key=lambda e: -len(e.phrase))
            index = _index = _Index(time.monotonic(), [e for e in entries if e.phrase])
    return index


def in_use() -> bool:
    """Whether the catalogue has any usable phrase (from the process's index, as ``match`` sees it)."""
    return bool(_get_index().entries)


def match(text: str, *, unit=None, normalized: bool = False) -> list[CatalogueHit]:
    """Active entries whose phrase the text contains. With ``unit``, department entries are kept only
    for departments of that unit or the units above it (a 太谷区 department never gets a 榆次区 appeal),
    and of two departments matched by the same phrase the one nearer the place wins."""
    text = text if normalized else normalize(text, mask=False)
    hits = [entry for entry in _get_index().entries if entry.phrase in text]
    if unit is not None:
        hits = [h for h in hits if h.department_path is None or unit.path.startswith(h.department_path)]
        deepest: dict[str, int] = {}
        for h in hits:
            if h.department_path:
                deepest[h.phrase] = max(deepest.get(h.phrase, 0), h.department_path.count("/"))
        hits = [h for h in hits if h.department_path is None or h.department_path.count("/") == deepest[h.phrase]]
    return hits


def evidence(hits: list[CatalogueHit]) -> dict[tuple[str, int | None], tuple[float, list[str]]]:
    """(label, department id) → (confidence, phrases). A target's evidence is the sum of its phrases'
    length × weight; confidence is its share of all evidence plus ``PRIOR_EVIDENCE``."""
    raw: dict[tuple[str, int | None], tuple[float, list[str]]] = {}
    for hit in hits:
        key = (hit.label, hit.department_id)
        score, phrases = raw.get(key, (0.0, []))
        if hit.phrase not in phrases:
            raw[key] = (score + len(hit.phrase) * hit.weight, [*phrases, hit.phrase])
    total = sum(score for score, _phrases in raw.values()) + PRIOR_EVIDENCE
    return {key: (score / total, phrases) for key, (score, phrases) in raw.items()}


class CatalogueImporter(Importer):
    """Rows of 短语 / 部门编码 (or 部门名称) / 类别 / 权重 / 备注. A phrase already in the catalogue for the
    same target is updated, so a corrected export can be imported again."""

    noun = gettext_lazy("catalogue entry")
    sheet_title = gettext_lazy("Catalogue")
    columns = (
        Column("phrase", gettext_lazy("Phrase"), required=True, max_length=100, example="路灯不亮", width=24,
               help=gettext_lazy("Words an appeal uses for a matter (路灯, 噪音扰民, 拖欠工资 …).")),
        Column("department", gettext_lazy("Department"), max_length=100, example="140702-housing", width=24,
               help=gettext_lazy("The handling department: its code, or its full name.")),
        Column("label", gettext_lazy("Category"), max_length=100, example="城乡建设",
               help=gettext_lazy("The category, when the deployment has categories, or a department type "
                                 "(卫健, 住建, 城管 …) meaning that type's department in the appeal's county. Give "
                                 "a department, a category, or both.")),
        Column("weight", gettext_lazy("Weight"), example="1",
               help=gettext_lazy("Optional; how strongly the phrase points to the target (default 1).")),
        Column("note", gettext_lazy("Note"), max_length=300, width=30),
    )

    def prepare(self, row: Row) -> None:
        department = None
        ref = row.get("department").strip()
        if ref:
            department = (Department.objects.filter(code=code_text(ref)).first()
                          or Department.objects.filter(name=ref).first())
            if department is None:
                row.error("department", _("No department has the code or name “%(value)s”.") % {"value": ref})
        if not ref and not row.get("label"):
            row.error(None, _("Give a department, a category, or both."))
        weight = 1.0
        if row.get("weight"):
            try:
                weight = float(parse_decimal(row.get("weight")))
                if weight <= 0:
                    raise ValueError(weight)
            except ValueError:
                row.error("weight", _("The weight must be a number above 0."))
        row.data = {"phrase": row.get("phrase").strip(), "department": department, "label": row.get("label").strip(),
                    "weight": weight, "note": row.get("note")}

    def apply_row(self, row: Row) -> str:
        from dispatch.models import CatalogueEntry
        from dispatch.services import catalogue_entry_save

        data = row.data
        entry = CatalogueEntry.objects.filter(phrase=data["phrase"], department=data["department"],
                                              label=data["label"]).first()
        outcome = "updated" if entry else "created"
        entry = entry or CatalogueEntry(phrase=data["phrase"], department=data["department"], label=data["label"])
        entry.weight, entry.note, entry.is_active = data["weight"], data["note"], True
        catalogue_entry_save(actor=self.actor, entry=entry)
        return outcome


def catalogue_export_rows(queryset):
    for entry in queryset.select_related("department"):
        yield {"phrase": entry.phrase, "department": entry.department.code if entry.department_id else "",
               "label": entry.label, "weight": entry.weight, "note": entry.note}


def check_phrase(phrase: str) -> str:
    phrase = (phrase or "").strip()
    if len(normalize(phrase, mask=False)) < 2:
        raise BadInput(_("A catalogue phrase needs at least two characters."))
    return phrase
