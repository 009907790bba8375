"""What a routing model learns: the *type and level* of the department that handled a matter, not
the department itself.

The platform's own closed appeals are labelled with the department that finally handled them
(榆次区卫健局, 太谷区卫健局, 市卫健委 …). Which county's bureau that was depends on where the appeal
came from, which the appeal's place already says; the text only tells what kind of matter it is and
whether the county or the city deals with it. So before training, a label that is the code of a
department of a known type becomes "<type>@<level>" ("health@county"): every county's appeals teach
the same label, and routing sends the appeal to the department of that type and level serving its
place (``dispatch.routing``). Labels that are not department codes (categories such as 城乡建设, or
a department of type "other") are kept as they are.
"""

from collections.abc import Sequence

from django.utils.translation import gettext as _

from orgs.models import Department, DepartmentKind, Level

SEP = "@"
LEVELS = (Level.COUNTY, Level.CITY)


def routing_labels(labels: Sequence[str]) -> list[str]:
    """``labels`` with department codes replaced by their department's "<type>@<level>"."""
    codes = {str(label) for label in labels}
    departments = {code: (kind, level) for code, kind, level in
                   Department.objects.filter(code__in=codes).values_list("code", "kind", "unit__level")}
    out = []
    for label in labels:
        found = departments.get(str(label))
        if found and found[0] != DepartmentKind.OTHER and found[1] in LEVELS:
            out.append(f"{found[0]}{SEP}{found[1]}")
        else:
            out.append(str(label))
    return out


def parse(label: str) -> tuple[str, str] | None:
    """(type, level) of a "<type>@<level>" label, or None for any other label."""
    kind, sep, level = str(label).partition(SEP)
    if sep and kind in DepartmentKind.values and level in LEVELS:
        return kind, level
    return None


def display(label: str) -> str:
    """A label as a person reads it: "Health (卫健) · County / district" for "health@county"."""
    parsed = parse(label)
    if parsed is None:
        return str(DepartmentKind(label).label) if label in DepartmentKind.values else str(label)
    kind, level = parsed
    return _("%(type)s · %(level)s") % {"type": DepartmentKind(kind).label, "level": Level(level).label}


def kind_from_name(name: str) -> str | None:
    """The department type a person named: its code ("health"), its short Chinese name as a 权责清单
    writes it (卫健, 衛健, 城管 …) or its English name; None for anything else (a category)."""
    from django.utils import translation

    from core.text import normalize

    wanted = normalize(name or "", mask=False)
    if not wanted:
        return None
    for value, label in DepartmentKind.choices:
        names = {value}
        with translation.override("en"):
            english = str(label)
        names.add(english)
        if "(" in english:
            names.add(english.split("(", 1)[0].strip())
            names.add(english.split("(", 1)[1].rstrip(")"))
        with translation.override("zh-hans"):
            names.add(str(label))
        if wanted in {normalize(n, mask=False) for n in names}:
            return value
    return None
