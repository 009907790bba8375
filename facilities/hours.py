"""Weekly opening hours as people write them, one line per group of days:

    1-5 08:00-17:30
    6,7 09:00-12:00 14:00-17:00
    周一至周五 08:00-17:00

Days are 1 (Monday) to 7 (Sunday) or 一 … 日/天; a line may hold several periods. The periods of one
day may not overlap."""

import re
from datetime import time

from django.utils.translation import gettext as _

from core.errors import BadInput

CHINESE_DAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
PERIOD = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
WEEKDAY_LABELS = ["一", "二", "三", "四", "五", "六", "日"]


def _day(token: str) -> int | None:
    token = token.replace("周", "").replace("星期", "").strip()
    if token.isdigit() and 1 <= int(token) <= 7:
        return int(token)
    return CHINESE_DAYS.get(token)


def _days(text: str) -> list[int] | None:
    text = text.replace("至", "-").replace("到", "-").replace("～", "-").replace("~", "-").replace("、", ",")
    days = []
    for part in text.split(","):
        if "-" in part:
            first, _sep, last = part.partition("-")
            a, b = _day(first), _day(last)
            if a is None or b is None or b < a:
                return None
            days += range(a, b + 1)
        else:
            day = _day(part)
            if day is None:
                return None
            days.append(day)
    return days


def parse_hours(text: str) -> list[tuple[int, time, time]]:
    """[(weekday 0–6, opens, closes)]; BadInput naming each line that cannot be read."""
    periods, problems = [], []
    for number, raw in enumerate((text or "").replace("：", ":").replace("－", "-").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split()
        days = _days(parts[0]) if parts else None
        if days is None or len(parts) < 2:
            problems.append(_("Line %(n)s (“%(line)s”): write the days (1-5, 6,7 or 周一至周五) and then the "
                              "hours, like 1-5 08:00-17:00.") % {"n": number, "line": line})
            continue
        for chunk in parts[1:]:
            match = PERIOD.match(chunk)
            if not match:
                problems.append(_("Line %(n)s: “%(chunk)s” is not a period like 08:00-17:00.") % {
                    "n": number, "chunk": chunk})
                continue
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
                problems.append(_("Line %(n)s: “%(chunk)s” is not a time of day.") % {"n": number, "chunk": chunk})
                continue
            opens, closes = time(h1, m1), time(23, 59) if h2 == 24 else time(h2, m2)
            if closes <= opens:
                problems.append(_("Line %(n)s: %(chunk)s closes before it opens.") % {"n": number, "chunk": chunk})
                continue
            periods += [(day - 1, opens, closes) for day in days]
    by_day: dict[int, list[tuple[time, time]]] = {}
    for day, opens, closes in sorted(periods):
        previous = by_day.setdefault(day, [])
        if previous and previous[-1][1] > opens:
            problems.append(_("周%(day)s: the periods overlap.") % {"day": WEEKDAY_LABELS[day]})
        previous.append((opens, closes))
    if problems:
        raise BadInput("；".join(dict.fromkeys(str(p) for p in problems)), details=problems)
    return sorted(periods)


def hours_text(periods) -> str:
    """The periods written back as the form takes them: one line per day."""
    by_day: dict[int, list[str]] = {}
    for period in periods:
        by_day.setdefault(period.weekday, []).append(f"{period.opens:%H:%M}-{period.closes:%H:%M}")
    return "\n".join(f"{day + 1} {' '.join(chunks)}" for day, chunks in sorted(by_day.items()))


def hours_rows(periods) -> list[tuple[str, str]]:
    """For a page: [("周一", "08:00-12:00 14:00-17:00"), …], days without hours left out."""
    by_day: dict[int, list[str]] = {}
    for period in periods:
        by_day.setdefault(period.weekday, []).append(f"{period.opens:%H:%M}-{period.closes:%H:%M}")
    return [(f"周{WEEKDAY_LABELS[day]}", " ".join(chunks)) for day, chunks in sorted(by_day.items())]
