"""Reports read from a replica (core.dbrouter): the 三率 page, its report, the leader's dashboard and the
appeals export read their rows from the replica alias (in tests ``replica_0``, a mirror of the test
database: minsheng/test_settings.py); writes, sign-in state, roles and anything read inside a transaction
stay on the primary; an unreachable replica falls back to the primary; no replica, no router."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext

from appeals.models import Appeal
from conftest import new_appeal
from core.dbrouter import ReplicaRouter, current_read_alias, reading_from_replica
from orgs.models import Membership

ROOT = Path(__file__).resolve().parents[2]
BOTH = pytest.mark.django_db(transaction=True, databases=["default", "replica_0"])


@pytest.fixture(autouse=True)
def _router(settings):
    """The router, as settings.py installs it when DATABASE_REPLICA_URLS names replicas (the test
    settings keep it out of every other test)."""
    settings.DATABASE_ROUTERS = ["core.dbrouter.ReplicaRouter"]


def tables(captured) -> str:
    return " ".join(query["sql"] for query in captured.captured_queries)


@BOTH
def test_reads_go_to_the_replica_only_inside_the_block():
    router = ReplicaRouter()
    assert router.db_for_read(Appeal) == "default"
    with reading_from_replica() as alias:
        assert alias == "replica_0" == current_read_alias()
        assert router.db_for_read(Appeal) == "replica_0"
        assert router.db_for_write(Appeal) == "default"
        assert router.db_for_read(Membership) == "default"  # roles are read as they are now
        with transaction.atomic():
            assert router.db_for_read(Appeal) == "default"  # a transaction reads its own writes
    assert router.db_for_read(Appeal) == "default" and current_read_alias() == "default"
    assert not router.allow_migrate("replica_0", "appeals") and router.allow_migrate("default", "appeals")


@BOTH
def test_an_unreachable_replica_leaves_the_reads_on_the_primary():
    with mock.patch.object(connections["replica_0"], "ensure_connection", side_effect=OperationalError("down")):
        with reading_from_replica() as alias:
            assert alias is None
            assert ReplicaRouter().db_for_read(Appeal) == "default"


@pytest.mark.django_db
def test_inside_a_transaction_nothing_goes_to_a_replica(client, cast):
    """What every other test sees (pytest-django's ``db`` runs a test in a transaction): the pages
    work exactly as without a replica."""
    client.force_login(cast.leader)
    with CaptureQueriesContext(connections["default"]) as primary:
        assert client.get("/appeals/kpi/").status_code == 200
    assert "appeals_" in tables(primary)


@BOTH
@pytest.mark.parametrize("path", ["/appeals/kpi/", "/appeals/kpi/report.xlsx", "/targets/"])
def test_reports_are_read_from_the_replica(client, cast, path):
    new_appeal(cast)
    client.force_login(cast.leader)
    with CaptureQueriesContext(connections["replica_0"]) as replica, \
            CaptureQueriesContext(connections["default"]) as primary:
        response = client.get(path)
    assert response.status_code == 200
    assert "appeals_" in tables(replica)
    assert "appeals_appeal" not in tables(primary)
    assert "django_session" in tables(primary) and "django_session" not in tables(replica)


@BOTH
def test_the_export_reads_from_the_replica_and_audits_on_the_primary(client, cast):
    appeal = new_appeal(cast)
    client.force_login(cast.dispatcher)
    with CaptureQueriesContext(connections["replica_0"]) as replica, \
            CaptureQueriesContext(connections["default"]) as primary:
        response = client.get("/appeals/staff/export.xlsx?queue=all")
    assert response.status_code == 200, response.content[:300]
    assert 'FROM "appeals_appeal"' in tables(replica) and 'FROM "appeals_appeal"' not in tables(primary)
    assert "core_auditevent" in tables(primary) and "INSERT" not in tables(replica)
    assert appeal.code  # the list held it


def test_replicas_come_from_the_environment():
    script = "from django.conf import settings; import json; print(json.dumps([sorted(settings.DATABASES), " \
             "settings.DATABASE_ROUTERS, settings.DATABASES.get('replica_1', {}).get('HOST')]))"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "minsheng.settings", "DEBUG": "1",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/primary",
           "DATABASE_REPLICA_URLS": "postgres://postgres@10.0.0.2:5432/primary,postgres://postgres@10.0.0.3:5432/primary"}
    run = lambda: subprocess.run([sys.executable, "-c", f"import django; django.setup(); {script}"],  # noqa: E731,S603
                                 cwd=ROOT, env=env, capture_output=True, text=True)
    aliases, routers, host = json.loads(run().stdout)
    assert aliases == ["default", "replica_0", "replica_1"] and routers == ["core.dbrouter.ReplicaRouter"]
    assert host == "10.0.0.3"
    env["DATABASE_REPLICA_URLS"] = ""
    aliases, routers, _host = json.loads(run().stdout)
    assert aliases == ["default"] and routers == []
    env["DATABASE_REPLICA_URLS"] = "mysql://x@y/z"
    failed = run()
    assert failed.returncode != 0 and "DATABASE_REPLICA_URLS" in failed.stderr
