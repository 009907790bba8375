"""Media through Django's storage API, whichever backend holds it: files under MEDIA_ROOT, or an S3-compatible
store (MinIO, Ceph) when MEDIA_STORAGE=s3 (minsheng/settings.py). Code never asks a storage for a path.

Beyond open, save and delete, what the platform needs: every stored name (backups), a file's size and time
without reading it, and a byte range read without downloading the whole object (a lesson's video seeked on a
phone). On S3 these are one listing, one HEAD and one ranged GET; on any other storage the plain API."""

import posixpath
from collections.abc import Iterator

CHUNK = 64 * 1024


def s3_media_backend(*, bucket: str, endpoint_url: str, region: str = "us-east-1", access_key: str | None = None,
                     secret_key: str | None = None, addressing_style: str = "path", prefix: str = "",
                     url_seconds: int = 300, ca_bundle: str | None = None) -> dict:
    """STORAGES["default"] for media on an S3-compatible store (minsheng/settings.py reads the values from the
    environment; the tests' fixture calls it too, so both run the same options). What is fixed here is what
    keeps media private: no ACL (the bucket's own policy, private), only signed, short-lived URLs, no custom
    domain (no CDN), and the platform serves every file itself after checking permission."""
    from django.core.exceptions import ImproperlyConfigured

    if not endpoint_url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"MEDIA_S3_ENDPOINT_URL must start with http:// or https://; got {endpoint_url!r}")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,  # MinIO and Ceph ignore it, but the s3v4 signature names one
            "access_key": access_key,
            "secret_key": secret_key,
            # path: http://minio:9000/bucket/key, which needs no wildcard DNS on the intranet.
            "addressing_style": addressing_style,
            "location": prefix.strip("/"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": url_seconds,
            "custom_domain": None,
            # Never overwrite: a second upload of the same name gets a new one, as on the filesystem.
            "file_overwrite": False,
            # A CA bundle for an intranet endpoint whose certificate the system does not trust.
            "verify": ca_bundle,
            # A file opened whole (a photo served, an image checked) spills to a temporary file past this.
            "max_memory_size": 4 * 1024 * 1024,
        },
    }


def is_s3(storage) -> bool:
    """django-storages' S3Storage (or a subclass): its bucket is reached directly for what the API lacks."""
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # pragma: no cover - a runtime dependency, but media on the filesystem needs none of it
        return False
    return isinstance(storage, S3Storage)  # default_storage, a lazy object, answers for what it wraps


def _key(storage, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))


def _missing(error) -> bool:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404 or \
        error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound")


def walk(storage, top: str = "") -> Iterator[str]:
    """Every file's name in ``storage`` (under ``top``), as a FileField stores it, sorted within a folder."""
    if is_s3(storage):
        root = storage.location.strip("/")
        prefix = "/".join(part for part in (root, top.strip("/")) if part)
        prefix = f"{prefix}/" if prefix else ""
        strip = len(f"{root}/") if root else 0
        for obj in storage.bucket.objects.filter(Prefix=prefix):
            if not obj.key.endswith("/"):  # a folder marker some tools write
                yield obj.key[strip:]
        return
    try:
        folders, files = storage.listdir(top)
    except FileNotFoundError:  # MEDIA_ROOT not made yet: nothing stored
        return
    for name in sorted(files):
        yield posixpath.join(top, name) if top else name
    for folder in sorted(folders):
        yield from walk(storage, posixpath.join(top, folder) if top else folder)


def is_empty(storage) -> bool:
    return next(iter(walk(storage)), None) is None


def stat(storage, name: str) -> tuple[int, float]:
    """(size in bytes, modified time as a POSIX timestamp); FileNotFoundError when there is no such file."""
    if is_s3(storage):
        from botocore.exceptions import ClientError

        try:
            head = storage.connection.meta.client.head_object(Bucket=storage.bucket_name, Key=_key(storage, name))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(name) from None
            raise
        return head["ContentLength"], head["LastModified"].timestamp()
    try:
        return storage.size(name), storage.get_modified_time(name).timestamp()
    except OSError as error:
        raise FileNotFoundError(name) from error


def read_range(storage, name: str, start: int, length: int) -> Iterator[bytes]:
    """``length`` bytes of the file from ``start``, in chunks, without reading what comes before or after:
    on S3 one GET with a Range header, streamed; elsewhere the file opened and sought."""
    if length <= 0:
        return
    if is_s3(storage):
        answer = storage.connection.meta.client.get_object(
            Bucket=storage.bucket_name, Key=_key(storage, name), Range=f"bytes={start}-{start + length - 1}")
        body = answer["Body"]
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()
        return
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        left = length
        while left > 0:
            data = handle.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data


def describe(storage) -> str:
    """Where media lives, for a command's output: the bucket and its endpoint, or the directory."""
    if is_s3(storage):
        where = f"s3://{storage.bucket_name}/{storage.location.strip('/')}".rstrip("/")
        return f"{where} at {storage.endpoint_url}" if storage.endpoint_url else where
    return str(getattr(storage, "location", storage))
