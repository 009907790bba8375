"""A row lock that joins a related table locks only its own rows.

PostgreSQL refuses ``SELECT ... FOR UPDATE`` over an outer join ("FOR UPDATE cannot be applied to
the nullable side of an outer join"), which is what ``select_related`` on a nullable foreign key
(a record's optional posting, the city's missing parent) produces. SQLite ignores the lock, so a
test run there never sees it: every ``select_for_update()`` chained with ``select_related`` names
``of=("self",)``, checked here in the source of every app."""

import ast
from pathlib import Path

from django.conf import settings

from minsheng.layers import local_apps

ROOT = Path(settings.BASE_DIR)


def chained_calls(node: ast.AST) -> list[ast.Call]:
    """The calls of a chain ``a.b(...).c(...).d(...)``, outermost first."""
    calls = []
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        calls.append(node)
        node = node.func.value
    return calls


def unguarded_locks(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        calls = chained_calls(node)
        names = {call.func.attr: call for call in calls}
        lock = names.get("select_for_update")
        if lock is None or "select_related" not in names:
            continue
        if not any(keyword.arg == "of" for keyword in lock.keywords):
            lines.append(node.lineno)
    return sorted(set(lines))


def test_the_check_finds_an_unguarded_lock():
    assert unguarded_locks("x = M.objects.select_for_update().select_related('a').get(pk=1)") == [1]
    assert unguarded_locks("x = M.objects.select_related('a').select_for_update().get(pk=1)") == [1]
    assert unguarded_locks("x = M.objects.select_for_update(of=('self',)).select_related('a').get()") == []
    assert unguarded_locks("x = M.objects.select_for_update().get(pk=1)") == []


def test_every_lock_over_a_join_locks_only_its_own_rows():
    offenders = []
    for app in local_apps():
        for path in sorted((ROOT / app).rglob("*.py")):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for line in unguarded_locks(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line}")
    assert offenders == []
