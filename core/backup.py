"""Backup and restore: the database, the media files (photos, uploads), and a manifest that proves a
restore is whole.

``manage.py backup_create DIR`` writes into DIR:

- ``db.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``db.sqlite3`` (SQLite, ``VACUUM INTO``);
- ``media.tar.gz``, every file under ``MEDIA_ROOT``;
- ``manifest.json``: every table's row count; for every model holding personal data, a sample of
  rows with a SHA-256 of each decrypted value; every media file with its SHA-256.

The keys are NOT in the backup (a stolen backup must not decrypt itself): keep the environment's
``FIELD_ENCRYPTION_KEYS`` and ``BLIND_INDEX_KEY`` apart, or write them with ``--keys-file`` to a place
of their own. ``manage.py backup_restore DIR --database-url URL --media-root PATH`` restores into an
empty database and media directory, and ``manage.py backup_verify`` (run by restore) checks the
restored copy against the manifest: the same row counts, the sampled personal data decrypting to
the same values with the configured keys (so the keys were carried too), the same media files, and
every image opening.
"""

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from core.crypto import EncryptedTextField, decrypt
from core.errors import BadInput

MANIFEST = "manifest.json"
SAMPLE = 20
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _file_sha(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- reading a database through plain DB-API (the live one, or a restored copy) --------------------

class _Reader:
    def __init__(self, url: str | None):
        """``url`` None reads Django's own connection."""
        self.url = url
        if url is None:
            self.vendor = connection.vendor
            connection.ensure_connection()
            self.conn = connection.connection
        elif url.startswith("sqlite:"):
            self.vendor = "sqlite"
            self.conn = sqlite3.connect(sqlite_path(url))
        else:
            import psycopg

            self.vendor = "postgresql"
            self.conn = psycopg.connect(url)

    def rows(self, sql: str, params=()) -> list[tuple]:
        cursor = self.conn.cursor()
        cursor.execute(sql.replace("%s", "?") if self.vendor == "sqlite" else sql, params)
        result = cursor.fetchall()
        cursor.close()
        return result

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        else:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        return sorted(name for (name,) in self.rows(sql))

    def close(self):
        if self.url is not None:
            self.conn.close()


def sqlite_path(url: str) -> Path:
    """sqlite:////abs/path.sqlite3 → /abs/path.sqlite3."""
    return Path("/" + urlsplit(url).path.lstrip("/"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _personal_samples(reader: _Reader, pks: dict[str, list] | None = None) -> dict[str, dict]:
    """{table: {pk: {column: sha of the clear value}}} for the first SAMPLE rows (or the rows ``pks``)."""
    samples = {}
    for model in apps.get_models():
        columns = [f.column for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if not columns:
            continue
        table, pk = model._meta.db_table, model._meta.pk.column
        select = ", ".join(_quote(c) for c in [pk, *columns])
        if pks is None:
            rows = reader.rows(f"SELECT {select} FROM {_quote(table)} ORDER BY {_quote(pk)} LIMIT {SAMPLE}")  # noqa: S608
        else:
            wanted = pks.get(table, [])
            rows = []
            for key in wanted:
                rows += reader.rows(f"SELECT {select} FROM {_quote(table)} WHERE {_quote(pk)} = %s", [key])  # noqa: S608
        samples[table] = {str(row[0]): {column: _sha(decrypt(value)) if value else ""
                                        for column, value in zip(columns, row[1:], strict=True)}
                          for row in rows}
    return samples


def _media_files(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {str(path.relative_to(root)): _file_sha(path) for path in sorted(root.rglob("*")) if path.is_file()}


# --- create ---------------------------------------------------------------------------------------

def create(directory: Path, *, keys_file: Path | None = None) -> dict:
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BadInput(f"{directory} is not empty: a backup goes into a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        dump = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(directory / "db.dump"), _pg_url(db)]
        subprocess.run(dump, check=True)  # noqa: S603 (our arguments)
        database_file = "db.dump"
    elif connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(directory / "db.sqlite3")])
        database_file = "db.sqlite3"
    else:  # pragma: no cover - the platform runs on these two
        raise BadInput(f"no backup for {connection.vendor}")
    media_root = Path(settings.MEDIA_ROOT)
    with tarfile.open(directory / "media.tar.gz", "w:gz") as archive:
        if media_root.is_dir():
            archive.add(media_root, arcname="media")
    reader = _Reader(None)
    manifest = {
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "database_file": database_file,
        "tables": {table: reader.rows(f"SELECT COUNT(*) FROM {_quote(table)}")[0][0]  # noqa: S608
                   for table in reader.tables()},
        "personal_samples": _personal_samples(reader),
        "media": _media_files(media_root),
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    if keys_file is not None:
        _write_keys(Path(keys_file))
    return manifest


def _write_keys(path: Path) -> None:
    from core.crypto import derived_key

    keys = settings.FIELD_ENCRYPTION_KEYS or [derived_key("field-encryption")]
    index = settings.BLIND_INDEX_KEY or derived_key("blind-index")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(f"FIELD_ENCRYPTION_KEYS={','.join(keys)}\nBLIND_INDEX_KEY={index}\n")
    path.chmod(0o600)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BadInput(f"{name} is not installed (Debian: postgresql-client)")
    return path


def _pg_url(db: dict) -> str:
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{user}{password}@{host}{port}/{db['NAME']}"


# --- restore and verify ---------------------------------------------------------------------------

def _manifest(directory: Path) -> dict:
    path = Path(directory) / MANIFEST
    if not path.exists():
        raise BadInput(f"{directory} holds no {MANIFEST}: not a backup made by backup_create")
    return json.loads(path.read_text())


def restore(directory: Path, *, database_url: str, media_root: Path) -> "Check":
    directory, media_root = Path(directory), Path(media_root)
    manifest = _manifest(directory)
    if media_root.exists() and any(media_root.iterdir()):
        raise BadInput(f"{media_root} is not empty: restore into a new media directory")
    if manifest["database_file"] == "db.dump":
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise BadInput("a PostgreSQL backup restores into a PostgreSQL database (postgres://…)")
        load = [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname",
                database_url.replace("postgres://", "postgresql://", 1), str(directory / "db.dump")]
        subprocess.run(load, check=True)  # noqa: S603 (our arguments)
    else:
        target = sqlite_path(database_url)
        if target.exists():
            raise BadInput(f"{target} exists: restore into a new database file")
        shutil.copyfile(directory / "db.sqlite3", target)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(directory / "media.tar.gz", "r:gz") as archive:
        for member in archive.getmembers():
            if not member.name.startswith("media/") or not member.isfile():
                continue
            member.name = member.name[len("media/"):]
            archive.extract(member, media_root, filter="data")
    return verify(directory, database_url=database_url, media_root=media_root)


@dataclass
class Check:
    tables: int = 0
    rows: int = 0
    personal_values: int = 0
    media_files: int = 0
    images: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(directory: Path, *, database_url: str, media_root: Path) -> Check:
    """The restored database and media against the manifest (see the module docstring)."""
    from PIL import Image

    manifest = _manifest(directory)
    check = Check()
    reader = _Reader(database_url)
    try:
        restored = set(reader.tables())
        for table, count in manifest["tables"].items():
            check.tables += 1
            if table not in restored:
                check.problems.append(f"table {table} is missing")
                continue
            have = reader.rows(f"SELECT COUNT(*) FROM {_quote(table)}")[0][0]  # noqa: S608
            check.rows += have
            if have != count:
                check.problems.append(f"table {table}: {have} rows, the backup had {count}")
        wanted = {table: list(rows) for table, rows in manifest["personal_samples"].items()}
        try:
            samples = _personal_samples(reader, pks=wanted)
        except ImproperlyConfigured as error:  # the keys do not decrypt the restored data
            check.problems.append(f"personal data does not decrypt with the configured keys: {error}")
            samples = {}
        for table, rows in manifest["personal_samples"].items():
            for pk, values in rows.items():
                check.personal_values += len(values)
                if samples and samples.get(table, {}).get(pk) != values:
                    check.problems.append(f"{table} row {pk}: personal data differs from the backup")
    finally:
        reader.close()
    for name, sha in manifest["media"].items():
        path = Path(media_root) / name
        check.media_files += 1
        if not path.is_file():
            check.problems.append(f"media file {name} is missing")
            continue
        if _file_sha(path) != sha:
            check.problems.append(f"media file {name} differs from the backup")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            try:
                with Image.open(path) as image:
                    image.verify()
                check.images += 1
            except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                check.problems.append(f"media file {name} does not open as an image")
    return check
