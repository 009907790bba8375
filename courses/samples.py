"""Small real media files made in code, for the demo and the tests (nothing fetched): a one-page PDF and a
WAV tone a browser's <audio> plays."""

import io
import math
import struct
import wave


def make_pdf(lines: list[str]) -> bytes:
    """A valid one-page PDF showing ``lines`` (ASCII; Chinese would need an embedded font)."""
    text = "BT /F1 16 Tf 72 760 Td 22 TL " + " ".join(
        f"({line.replace('(', '[').replace(')', ']')}) '" for line in lines) + " ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text.encode("latin-1") + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def make_wav(seconds: float = 2.0, *, frequency: float = 440.0, rate: int = 8000) -> bytes:
    """A mono 16-bit tone (a pentatonic phrase when ``frequency`` is 0)."""
    notes = [262, 294, 330, 392, 440, 392, 330, 294]
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        frames = bytearray()
        total = int(seconds * rate)
        for n in range(total):
            freq = frequency or notes[(n * len(notes)) // total]
            frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * freq * n / rate)))
        wav.writeframes(bytes(frames))
    return out.getvalue()


def make_mp4_head() -> bytes:
    """The first box of an MP4 file (``ftyp``): enough for a type check, not a playable video."""
    return struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 512) + b"isomiso2"
