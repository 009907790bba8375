"""Hot spots on real citizen messages: clusters the 4,326 messages of
../shared/data/citizen-messages/hotspot_raw.csv and prints the top clusters for a person to judge,
with the time taken. Also times near-duplicate scoring of one message against 500 others.

    .venv/bin/python bench/hotspots.py [--data DIR] [--top 15]
"""

import argparse
import csv
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
django.setup()  # the hot spot and duplicate modules hold their scoped reads too; no database is used here

from bench import machine  # noqa: E402
from dispatch.duplicates import similar  # noqa: E402
from dispatch.hotspots import Message, cluster  # noqa: E402

DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d",
                "%Y-%m-%d")


def parse_date(text):
    text = (text or "").strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/citizen-messages"))
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    with open(Path(args.data) / "hotspot_raw.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    messages = [Message(id=r["留言编号"], title=r["留言主题"], text=r["留言详情"], created_at=parse_date(r["留言时间"]))
                for r in rows]
    undated = sum(1 for m in messages if m.created_at is None)
    started, cpu = time.perf_counter(), time.process_time()
    clusters = cluster(messages, limit=None)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    grouped = sum(c.size for c in clusters)
    print(f"{len(messages)} messages ({undated} without a readable date) → {len(clusters)} clusters of 2+ "
          f"holding {grouped} messages, in {seconds:.2f} s ({cpu:.2f} s of CPU)")
    print(machine.line())
    for rank, c in enumerate(clusters[: args.top], 1):
        span = f"{c.first:%Y-%m-%d}…{c.last:%Y-%m-%d}" if c.first else "undated"
        print(f"\n#{rank}  {c.size} messages, {c.recent} recent vs {c.earlier} before (growth {c.growth:+.1f}), "
              f"{span}")
        print(f"    key words: {' · '.join(c.key_words)}")
        for title in c.sample_titles:
            print(f"    - {title.strip()[:60]}")

    query = messages[0]
    started = time.perf_counter()
    ranked = similar(f"{query.title}\n{query.text}", [(m.id, f"{m.title}\n{m.text}") for m in messages[1:501]],
                     limit=3)
    print(f"\nsimilar(): one message against 500 candidates in {(time.perf_counter() - started) * 1000:.0f} ms; "
          f"best scores {[score for _id, score in ranked]}")


if __name__ == "__main__":
    main()
