"""The nightly computation on PostgreSQL, set-based: the rules (care.risk) translated into one SQL
expression, so that a million people are re-evaluated by the database in a few UPDATE … FROM statements
(one per range of ids) instead of being read into Python and written back.

The translation follows care.risk._matches exactly for what the registry holds (values checked by
care.services.membership_values_check: text, numbers, ISO dates): equality and "one of" on the stripped
text, "at least"/"at most" on numbers when both sides read as numbers and on the text (by code point,
COLLATE "C", as Python compares strings) otherwise. A rule the translation does not know makes
``rules_sql`` return None, and the caller falls back to the rules evaluated in Python."""

import re
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from care.models import RiskLevel, RiskOperator, RiskSubject
from care.risk import _number

# What Decimal(str(x).strip()) reads as a finite number, as PostgreSQL numeric reads it too.
NUMBER_RE = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
# What str.strip() takes off that a list may hold (the values were stripped when they were saved).
WHITESPACE = " \t\n\r\f\v\u00a0\u3000"
IDS_PER_STATEMENT = 100_000


def _literal(params: list, value) -> str:
    params.append(value)
    return "%s"


def _compare(params: list, actual: str, operator: str, expected: str, *, numeric_actual: bool) -> str | None:
    """SQL for _matches(operator, actual, expected); ``actual`` is a text expression (NULL or '' never
    match), or an integer expression when ``numeric_actual``."""
    if operator == RiskOperator.EQUALS:
        text = actual if not numeric_actual else f"({actual})::text"
        return f"(btrim({text}, {_literal(params, WHITESPACE)}) = {_literal(params, expected.strip())})"
    if operator == RiskOperator.IN:
        parts = [part.strip() for part in expected.replace("，", ",").split(",")]
        text = actual if not numeric_actual else f"({actual})::text"
        return f"(btrim({text}, {_literal(params, WHITESPACE)}) = ANY({_literal(params, parts)}::text[]))"
    if operator not in (RiskOperator.AT_LEAST, RiskOperator.AT_MOST):
        return None
    sign = ">=" if operator == RiskOperator.AT_LEAST else "<="
    right = _number(expected)
    if right is not None and not right.is_finite():
        return None
    if numeric_actual:
        if right is None:
            return f"(({actual})::text COLLATE \"C\" {sign} {_literal(params, expected.strip())})"
        return f"(({actual}) {sign} {_literal(params, right)}::numeric)"
    if right is None:
        return f"({actual} COLLATE \"C\" {sign} {_literal(params, expected.strip())})"
    # The regex is tested before the cast (a CASE evaluates its branches in order). Placeholders take
    # their values in the order they appear in the text.
    test = f"btrim({actual}, {_literal(params, WHITESPACE)}) ~ {_literal(params, NUMBER_RE)}"
    number_cmp = f"btrim({actual}, {_literal(params, WHITESPACE)})::numeric {sign} {_literal(params, right)}::numeric"
    text_cmp = f"{actual} COLLATE \"C\" {sign} {_literal(params, expected.strip())}"
    return f"(CASE WHEN {test} THEN {number_cmp} ELSE {text_cmp} END)"


def rules_sql(rules, today: date) -> tuple[str, str, str, list, list] | None:
    """(high condition, medium condition, the membership aggregate's columns, the conditions' params, the
    aggregate's params) over the columns of ``refresh``'s statement; None when a rule cannot be
    translated."""
    member_parts: list[str] = []  # bool_or(...) columns computed per person over open memberships
    member_params: list = []
    conditions = {RiskLevel.HIGH: [], RiskLevel.MEDIUM: []}
    person_params_by_level = {RiskLevel.HIGH: [], RiskLevel.MEDIUM: []}
    for rule in rules:
        if not rule.is_active or rule.level not in conditions:
            continue
        params = person_params_by_level[rule.level]
        if rule.subject in (RiskSubject.AGE, RiskSubject.DAYS_SINCE_VISIT):
            column = "f.age" if rule.subject == RiskSubject.AGE else "f.days_since_visit"
            cond = _compare(params, column, rule.operator, rule.value, numeric_actual=True)
            if cond is None:
                return None
            if rule.category_id is not None:
                member_parts.append(f"bool_or(m.category_id = {int(rule.category_id)})")
                cond = f"(COALESCE(m.r{len(member_parts) - 1}, false) AND {cond})"
            conditions[rule.level].append(cond)
        elif rule.subject == RiskSubject.FIELD:
            if not re.fullmatch(r"[A-Za-z0-9_]{1,40}", rule.field_name or ""):
                return None
            value = f"(m.\"values\" ->> '{rule.field_name}')"
            field_cond = _compare(member_params, value, rule.operator, rule.value, numeric_actual=False)
            if field_cond is None:
                return None
            field_cond = f"({value} IS NOT NULL AND {value} <> '' AND {field_cond})"
            if rule.category_id is not None:
                field_cond = f"(m.category_id = {int(rule.category_id)} AND {field_cond})"
            member_parts.append(f"bool_or({field_cond})")
            conditions[rule.level].append(f"COALESCE(m.r{len(member_parts) - 1}, false)")
        else:
            return None
    high = " OR ".join(conditions[RiskLevel.HIGH]) or "false"
    medium = " OR ".join(conditions[RiskLevel.MEDIUM]) or "false"
    columns = "".join(f", {part} AS r{n}" for n, part in enumerate(member_parts))
    return (high, medium, columns, person_params_by_level[RiskLevel.HIGH] + person_params_by_level[RiskLevel.MEDIUM],
            member_params)


def refresh(rules, *, today: date, category_id: int | None = None, progress=None) -> int | None:
    """Re-evaluate everyone (or the people ever in ``category_id``) by ranges of ids, each range one
    UPDATE of the rows whose risk or due date changes. Returns how many people were looked at, or None
    when the rules cannot be translated (the caller evaluates them in Python)."""
    translated = rules_sql(rules, today)
    if translated is None:
        return None
    high, medium, member_columns, rule_params, member_params = translated
    tz = timezone.get_current_timezone_name()
    only = ""
    if category_id is not None:
        only = f" AND p.id IN (SELECT person_id FROM care_caremembership WHERE category_id = {int(category_id)})"  # noqa: S608
    # facts: what the rules read (care.risk.Facts); m: per person over the open memberships, the
    # shortest interval of each level and the field conditions. The WHERE on last_visit_at leaves a row
    # that a visit changed meanwhile to that visit's own refresh (re-checked on the new row version); the
    # one on the range keeps the planner from reading the whole table to join the rows it updates.
    # Only integers and field names checked above are put in the text; every value is a parameter.
    sql = f"""
        WITH facts AS (
            SELECT p.id, p.risk_override, p.last_visit_at,
                   (p.last_visit_at IS NOT NULL) AS visited,
                   COALESCE((p.last_visit_at AT TIME ZONE %(tz)s)::date,
                            (p.created_at AT TIME ZONE %(tz)s)::date) AS last_day,
                   %(year)s - extract(year FROM p.birth_date)::int
                     - CASE WHEN (extract(month FROM p.birth_date)::int, extract(day FROM p.birth_date)::int)
                                 > (%(month)s, %(day)s) THEN 1 ELSE 0 END AS age
            FROM care_person p WHERE p.id >= %(lo)s AND p.id < %(hi)s{only}
        ), m AS (
            SELECT m.person_id, min(c.visit_days_high) AS days_high, min(c.visit_days_medium) AS days_medium,
                   min(c.visit_days_low) AS days_low{member_columns}
            FROM care_caremembership m JOIN care_carecategory c ON c.id = m.category_id
            WHERE m.until IS NULL AND m.person_id >= %(lo)s AND m.person_id < %(hi)s
            GROUP BY m.person_id
        ), computed AS (
            SELECT f.id, f.last_visit_at, f.risk_override, f.visited, f.last_day, m.person_id IS NOT NULL AS member,
                   m.days_high, m.days_medium, m.days_low,
                   CASE WHEN {high} THEN 'high' WHEN {medium} THEN 'medium' ELSE 'low' END AS computed
            FROM (SELECT facts.*, %(today)s::date - facts.last_day AS days_since_visit FROM facts) f
            LEFT JOIN m ON m.person_id = f.id
        ), result AS (
            SELECT id, last_visit_at, computed, COALESCE(NULLIF(risk_override, ''), computed) AS level,
                   member, visited, last_day, days_high, days_medium, days_low FROM computed
        ), new AS (
            SELECT id, last_visit_at, computed, level,
                   CASE WHEN NOT member THEN NULL::date
                        WHEN NOT visited THEN last_day
                        ELSE last_day + CASE level WHEN 'high' THEN days_high WHEN 'medium' THEN days_medium
                                                   ELSE days_low END
                   END AS due
            FROM result
        )
        UPDATE care_person AS p SET risk_computed = new.computed, risk_level = new.level, next_visit_due = new.due
        FROM new
        WHERE p.id = new.id AND p.id >= %(lo)s AND p.id < %(hi)s
          AND p.last_visit_at IS NOT DISTINCT FROM new.last_visit_at
          AND (p.risk_computed, p.risk_level, p.next_visit_due) IS DISTINCT FROM (new.computed, new.level, new.due)
    """  # noqa: S608
    # Named placeholders for the fixed values; the rules' own values come positionally: convert all to
    # one positional list in the order they appear.
    named = {"tz": tz, "year": today.year, "month": today.month, "day": today.day, "today": today}
    sql, params = _positional(sql, named, rule_params, member_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM care_person")
        first, last = cursor.fetchone()
    if first is None:
        return 0
    seen = 0
    lo = first
    while lo <= last:
        hi = lo + IDS_PER_STATEMENT
        values = [lo if p is _LO else hi if p is _HI else p for p in params]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            cursor.execute(f"SELECT count(*) FROM care_person p WHERE p.id >= %s AND p.id < %s{only}",  # noqa: S608
                           [lo, hi])
            n = cursor.fetchone()[0]
        seen += n
        if progress:
            progress(n)
        lo = hi
    with connection.cursor() as cursor:
        # The night rewrote risk levels and due dates of many rows: fresh statistics keep the planner
        # on the partial indexes of the due list and the high-risk list (stale ones counted one
        # high-risk person in a million and chose a scan).
        cursor.execute("ANALYZE care_person")
    return seen


_LO, _HI = object(), object()


def _positional(sql: str, named: dict, rule_params: list, member_params: list) -> tuple[str, list]:
    """Turn %(name)s into %s in order, and the rules' %s into their values: the rule conditions sit in
    the "computed" CTE (person-level) and the membership aggregate ("m", which comes first in the text)."""
    out, params = [], []
    rule_iter, member_iter = iter(rule_params), iter(member_params)
    m_start = sql.index("), m AS (")
    computed_start = sql.index("), computed AS (")
    position = 0
    for found in re.finditer(r"%\((\w+)\)s|%s", sql):
        out.append(sql[position:found.start()])
        out.append("%s")
        position = found.end()
        name = found.group(1)
        if name == "lo":
            params.append(_LO)
        elif name == "hi":
            params.append(_HI)
        elif name:
            params.append(named[name])
        elif m_start < found.start() < computed_start:
            params.append(next(member_iter))
        else:
            params.append(next(rule_iter))
    out.append(sql[position:])
    assert next(rule_iter, None) is None and next(member_iter, None) is None
    return "".join(out), params


def escalate(level: str, *, unit_of_township: bool, due_from: date | None, due_until: date) -> int:
    """Set-based escalation on PostgreSQL: the Escalation rows (once per person, level and due date) and
    the people's queue, for the people overdue into ``level``, by ranges of ids. Returns the people moved."""
    unit = "COALESCE(u.parent_id, p.unit_id)" if unit_of_township else "p.unit_id"
    lower = "AND p.next_visit_due > %(from)s " if due_from is not None else ""
    where = (f"p.next_visit_due <= %(until)s {lower}AND p.escalation <> %(level)s "
             "AND p.id >= %(lo)s AND p.id < %(hi)s")
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM care_person WHERE next_visit_due <= %s AND escalation <> %s",
                       [due_until, level])
        first, last = cursor.fetchone()
        if first is None:
            return 0
        moved, lo = 0, first
        while lo <= last:
            values = {"until": due_until, "from": due_from, "level": level, "lo": lo, "hi": lo + IDS_PER_STATEMENT}
            with transaction.atomic():  # the rows and the queue together
                cursor.execute(f"""
                INSERT INTO care_escalation (person_id, level, unit_id, due_on, created_at, notified_at)
                SELECT p.id, %(level)s, {unit}, p.next_visit_due, now(), NULL
                FROM care_person p JOIN orgs_unit u ON u.id = p.unit_id WHERE {where}
                ON CONFLICT (person_id, level, due_on) DO NOTHING
                """, values)  # noqa: S608
                cursor.execute(f"UPDATE care_person p SET escalation = %(level)s WHERE {where}",  # noqa: S608
                               values)
                moved += cursor.rowcount
            lo += IDS_PER_STATEMENT
        return moved


