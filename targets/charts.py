"""Charts as images for the Word report (the pages draw theirs with ECharts in the browser): plain bar
charts with Pillow, Chinese labels in the system's CJK font when there is one."""

import io
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONTS = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
]
BLUE = (31, 95, 153)
GREY = (120, 120, 120)


@lru_cache(maxsize=8)
def _font(size: int):
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


def bar_chart(
    title: str, labels: list[str], values: list[float | None], *, unit: str = "", width: int = 1200, height: int = 520
) -> bytes:
    """A vertical bar chart as PNG bytes; a missing value draws no bar and shows "—"."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((24, 14), title, fill=(0, 0, 0), font=_font(28))
    left, right, top, bottom = 70, width - 24, 70, height - 90
    draw.line((left, bottom, right, bottom), fill=GREY, width=2)
    known = [v for v in values if v is not None]
    peak = max(known + [0]) or 1
    count = max(len(values), 1)
    slot = (right - left) / count
    bar = max(6, min(60, slot * 0.6))
    for index, (label, value) in enumerate(zip(labels, values, strict=False)):
        x = left + slot * index + (slot - bar) / 2
        if value is not None:
            y = bottom - (bottom - top) * (value / peak)
            draw.rectangle((x, y, x + bar, bottom), fill=BLUE)
            shown = f"{value:g}{unit}"
        else:
            y, shown = bottom, "—"
        draw.text((x + bar / 2, y - 6), shown, fill=(0, 0, 0), font=_font(16), anchor="md")
        text = label if len(label) <= 6 else label[:6]
        draw.text((x + bar / 2, bottom + 10), text, fill=(0, 0, 0), font=_font(18), anchor="ma")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
