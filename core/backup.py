"""Backup and restore: the database, the media files (photos, uploads), and a manifest that proves a
restore is whole.

``manage.py backup_create DIR`` writes into DIR:

- ``db.dump`` (PostgreSQL, ``pg_dump`` custom format) or ``db.sqlite3`` (SQLite, ``VACUUM INTO``);
- ``media.tar.gz``, every file of the media storage, read through Django's storage API (core/storage.py), so
  the same backup is taken from ``MEDIA_ROOT`` or from an S3-compatible bucket (``MEDIA_STORAGE=s3``);
- ``manifest.json``: every table's row count; for every model holding personal data, a sample of
  rows with a SHA-256 of each decrypted value; every media file with its SHA-256.

The keys are NOT in the backup (a stolen backup must not decrypt itself): keep the environment's
``FIELD_ENCRYPTION_KEYS`` and ``BLIND_INDEX_KEY`` apart, or write them with ``--keys-file`` to a place
of their own. ``manage.py backup_restore DIR --database-url URL --media-root PATH`` restores into an
empty database and media directory (``--media-storage`` instead: into the configured media storage, an empty
bucket, written back through the storage API), and ``manage.py backup_verify`` (run by restore) checks the
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
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.utils import timezone

from core.crypto import EncryptedTextField, decrypt
from core.errors import BadInput
from core.storage import describe, is_empty, walk

MANIFEST = "manifest.json"
SAMPLE = 20
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class _Hashing:
    """A file read through once, for the archive, and hashed on the way."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _media_storage(media_root: Path | str | None = None, storage=None):
    """The media to restore into or verify: a directory named on the command line, or a storage (the
    configured one, ``default_storage``, for an S3 bucket)."""
    if (media_root is None) == (storage is None):
        raise BadInput("name one place for the media: a directory or the configured media storage")
    return FileSystemStorage(location=str(media_root)) if media_root is not None else storage


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


def _archive_media(archive: tarfile.TarFile, storage) -> dict[str, str]:
    """Every file of ``storage`` into the archive as media/<name>; {name: SHA-256}."""
    files = {}
    now = int(time.time())
    for name in walk(storage):
        with storage.open(name, "rb") as handle:
            info = tarfile.TarInfo(f"media/{name}")
            info.size, info.mtime, info.mode = handle.size, now, 0o644
            reader = _Hashing(handle)
            archive.addfile(info, reader)
        files[name] = reader.digest.hexdigest()
    return files


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
    with tarfile.open(directory / "media.tar.gz", "w:gz") as archive:
        media = _archive_media(archive, default_storage)
    reader = _Reader(None)
    manifest = {
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "database_file": database_file,
        "tables": {table: reader.rows(f"SELECT COUNT(*) FROM {_quote(table)}")[0][0]  # noqa: S608
                   for table in reader.tables()},
        "personal_samples": _personal_samples(reader),
        "media_from": describe(default_storage),
        "media": media,
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


def restore(directory: Path, *, database_url: str, media_root: Path | None = None, storage=None) -> "Check":
    """Into an empty database and an empty media directory (``media_root``) or storage (``storage``: the
    configured media storage, an empty bucket on S3)."""
    directory = Path(directory)
    media = _media_storage(media_root, storage)
    manifest = _manifest(directory)
    if not is_empty(media):
        raise BadInput(f"{describe(media)} is not empty: restore into a new media directory or an empty bucket")
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
    with tarfile.open(directory / "media.tar.gz", "r:gz") as archive:
        for member in archive:
            if not member.name.startswith("media/") or not member.isfile():
                continue
            name = member.name[len("media/"):]
            content = File(archive.extractfile(member), name=name)
            content.size = member.size
            # The storage refuses a name that leaves it (..); in an empty one it keeps the name it is given.
            if media.save(name, content) != name:
                raise BadInput(f"media file {name} was stored under another name")
    return verify(directory, database_url=database_url, media_root=media_root, storage=storage)


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


def verify(directory: Path, *, database_url: str, media_root: Path | None = None, storage=None) -> Check:
    """The restored database and media (a directory, or a storage) against the manifest (see the module
    docstring)."""
    from PIL import Image

    target = _media_storage(media_root, storage)
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
        check.media_files += 1
        try:
            handle = target.open(name, "rb")
        except FileNotFoundError:
            check.problems.append(f"media file {name} is missing")
            continue
        with handle:
            digest = hashlib.sha256()
            for block in iter(lambda: handle.read(1 << 20), b""):  # noqa: B023 (used at once)
                digest.update(block)
            if digest.hexdigest() != sha:
                check.problems.append(f"media file {name} differs from the backup")
            if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                handle.seek(0)
                try:
                    with Image.open(handle) as image:
                        image.verify()
                    check.images += 1
                except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
                    check.problems.append(f"media file {name} does not open as an image")
    return check
