"""Serving a lesson's file with HTTP Range requests (RFC 9110 §14), so a phone's <video> seeks and resumes
without downloading the whole file: 206 Partial Content with Content-Range for one satisfiable range,
416 with ``Content-Range: bytes */size`` for an unsatisfiable one, 200 with Accept-Ranges otherwise (a
malformed header, several ranges, or an If-Range that no longer matches: the whole file, as the RFC
allows). The body is streamed in chunks read from the storage (core.storage.read_range: one ranged GET on
S3), so a large video never sits in memory and a seek never downloads what comes before it."""

import re
from email.utils import formatdate
from http import HTTPStatus

from django.http import HttpResponse, StreamingHttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte positions, both included, for a single-range header; None to send the whole file;
    Unsatisfiable when the range starts past the end (or the file is empty)."""
    header = (header or "").strip()
    if not header or "," in header:
        return None
    match = RANGE.match(header.replace(" ", ""))
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


def ranged_file_response(request, *, read_span, size: int, content_type: str, etag: str, modified: float,
                         filename: str = "", inline: bool = True):
    """The response for a file of ``size`` bytes; ``read_span(start, length)`` yields those bytes in chunks
    and is called only when there is a body to send."""
    last_modified = formatdate(modified, usegmt=True)
    headers = {"Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": last_modified,
               "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    if filename:
        headers["Content-Disposition"] = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{filename}"
    if request.headers.get("If-None-Match") == etag:
        return HttpResponse(status=HTTPStatus.NOT_MODIFIED, headers=headers)
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if wanted and if_range and if_range not in (etag, last_modified):
        wanted = ""  # the file changed since the client's first part: send it whole
    try:
        span = parse_range(wanted, size) if request.method in ("GET", "HEAD") else None
    except Unsatisfiable:
        return HttpResponse(status=HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                            headers={**headers, "Content-Range": f"bytes */{size}"})
    start, end = span if span is not None else (0, size - 1)
    length = max(end - start + 1, 0)
    status = HTTPStatus.PARTIAL_CONTENT if span is not None else HTTPStatus.OK
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    if request.method == "HEAD" or length == 0:
        response = HttpResponse(status=status, content_type=content_type, headers=headers)
    else:
        response = StreamingHttpResponse(read_span(start, length), status=status,
                                         content_type=content_type, headers=headers)
    response["Content-Length"] = str(length)
    return response
