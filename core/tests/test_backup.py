"""Backup and restore (core/backup.py): a backup of a live database with personal data and photos
restores into an empty database and media directory that verify as the same — every table's row
count, the sampled personal data decrypting to the same values with the configured keys, every media
file, every photo opening — and verification notices a missing row, a damaged photo and lost keys."""

import io
import uuid

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from PIL import Image

from conftest import new_appeal
from core import backup
from core.errors import BadInput

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def target(tmp_path):
    """An empty database of the same engine to restore into."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    params = connection.get_connection_params()
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    admin = dict(host=params.get("host"), port=params.get("port"), user=params.get("user"), dbname="postgres",
                 autocommit=True)
    with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgres://{params.get('user') or 'postgres'}@{params.get('host') or 'localhost'}:{params.get('port') or 5432}/{name}"
    with psycopg.connect(**{k: v for k, v in admin.items() if v is not None}) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_photo(path, size=(40, 30)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 80, 40)).save(path, "PNG")


def test_a_backup_restores_whole_and_verification_notices_damage(settings, cast, tmp_path, target):
    settings.MEDIA_ROOT = tmp_path / "media"
    write_photo(tmp_path / "media" / "appeals" / "2026" / "photo.png")
    (tmp_path / "media" / "notes.txt").write_text("会议纪要")
    appeal = new_appeal(cast, contact_name="王芳", contact_phone="13700001111")

    out = io.StringIO()
    call_command("backup_create", str(tmp_path / "backup"), keys_file=str(tmp_path / "keys" / "env"), stdout=out)
    assert "media files" in out.getvalue()
    assert (tmp_path / "keys" / "env").read_text().startswith("FIELD_ENCRYPTION_KEYS=")
    assert (tmp_path / "keys" / "env").stat().st_mode & 0o077 == 0  # only the owner may read the keys
    manifest = backup._manifest(tmp_path / "backup")
    assert manifest["tables"]["appeals_appeal"] == 1 and manifest["tables"]["accounts_user"] > 5
    assert str(appeal.pk) in manifest["personal_samples"]["appeals_appeal"]
    assert "13700001111" not in (tmp_path / "backup" / "manifest.json").read_text()  # hashes, not values

    with pytest.raises(BadInput):  # never over an existing backup
        backup.create(tmp_path / "backup")

    restored_media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command("backup_restore", str(tmp_path / "backup"), database_url=target, media_root=str(restored_media),
                 stdout=out)
    assert "The restored copy matches the backup." in out.getvalue()
    check = backup.verify(tmp_path / "backup", database_url=target, media_root=restored_media)
    assert check.ok and check.images == 1 and check.media_files == 2 and check.personal_values >= 2
    assert check.rows == sum(manifest["tables"].values())

    # A restore never overwrites: the same target again is refused.
    with pytest.raises(BadInput):
        backup.restore(tmp_path / "backup", database_url=target, media_root=restored_media)

    # Without the keys the restored personal data is unreadable, and verification says so.
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    lost = backup.verify(tmp_path / "backup", database_url=target, media_root=restored_media)
    assert any("does not decrypt" in problem for problem in lost.problems)
    settings.FIELD_ENCRYPTION_KEYS = []  # back to the test settings' keys (derived)

    # A missing row and a damaged photo are found.
    reader = backup._Reader(target)
    cursor = reader.conn.cursor()
    cursor.execute("DELETE FROM core_auditevent")
    cursor.execute("DELETE FROM appeals_appealevent")
    reader.conn.commit()
    reader.close()
    (restored_media / "appeals" / "2026" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    damaged = backup.verify(tmp_path / "backup", database_url=target, media_root=restored_media)
    assert any(problem.startswith("table appeals_appealevent") for problem in damaged.problems)
    assert any("photo.png" in problem for problem in damaged.problems)
    with pytest.raises(CommandError):
        call_command("backup_verify", str(tmp_path / "backup"), database_url=target,
                     media_root=str(restored_media), stdout=io.StringIO(), stderr=io.StringIO())
