"""Benchmark of the routing classifier on real citizen messages (../shared/data/citizen-messages).

Trains on train_tokenized.csv (segmented upstream, stop words removed) with cross-validation, then
evaluates once on dev_raw.csv (raw title + text, never used for tuning) and measures speed on one
core, segmentation included.

    .venv/bin/python bench/dispatch.py [--data DIR]
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core, as the target says

import argparse  # noqa: E402
import csv  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import machine  # noqa: E402
from dispatch.classifier import TextClassifier, evaluate, train  # noqa: E402


def progress(stage, done, total):
    print(f"\r  {stage}: {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)


def print_metrics(metrics):
    print(f"  accuracy {metrics['accuracy']:.4f}   macro-F1 {metrics['macro_f1']:.4f}   "
          f"top-2 accuracy {metrics.get('top2_accuracy', float('nan')):.4f}   (n={metrics['n']})")
    print(f"  {'label':<10} {'precision':>9} {'recall':>7} {'F1':>7} {'support':>8}")
    for label, row in metrics["per_class"].items():
        print(f"  {label:<10} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>7.3f} {row['support']:>8}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/citizen-messages"))
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    data = Path(args.data)
    with open(data / "train_tokenized.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(data / "dev_raw.csv", encoding="utf-8") as f:
        dev = list(csv.DictReader(f))
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    dev_texts = [f"{r['留言主题']}\n{r['留言详情']}" for r in dev]
    dev_labels = [r["一级标签"] for r in dev]

    print(f"training on {len(texts)} segmented messages (5-fold cross-validation, near-copies kept in one fold)")
    started = time.perf_counter()
    model, cv = train(texts, labels, progress=progress)
    print(f"  trained in {time.perf_counter() - started:.1f} s; model {len(model.dumps()) / 1e6:.1f} MB compressed")
    print("cross-validated on the training file:")
    print_metrics(cv)

    model = TextClassifier.loads(model.dumps())  # measure what a server process would load
    print(f"\ndev_raw.csv ({len(dev_texts)} raw messages, not seen in training or tuning):")
    started = time.perf_counter()
    from dispatch.classifier import prepare
    docs = [prepare(t) for t in dev_texts]
    proba = model.proba_prepared(docs)
    batch_seconds = time.perf_counter() - started
    predicted = [model.labels[i] for i in proba.argmax(axis=1)]
    print_metrics(evaluate(dev_labels, predicted, model.labels, proba))

    # Throughput on one core: segmentation + features + model, in batches, over the dev texts repeated.
    corpus = dev_texts * 10
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(corpus), 256):
        model.proba_prepared([prepare(t) for t in corpus[i:i + 256]])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"\nthroughput (one core, incl. segmentation, {len(corpus)} messages of "
          f"{sum(map(len, corpus)) / len(corpus):.0f} characters on average): {len(corpus) / seconds:,.0f} messages/s "
          f"wall clock, {len(corpus) / cpu:,.0f} messages per CPU-second (first dev pass: "
          f"{len(dev_texts) / batch_seconds:,.0f}/s)")

    print("  " + machine.line())

    latencies = []
    for text in dev_texts * 3:
        t0 = time.perf_counter()
        model.top(text, k=3)
        latencies.append((time.perf_counter() - t0) * 1000)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"single message, top-3 with explanations: p50 {statistics.median(latencies):.2f} ms, "
          f"p99 {p99:.2f} ms, max {latencies[-1]:.2f} ms")

    # What the demo's tour types: vague messages must stay below the auto-dispatch threshold (0.85).
    print("\nconfidence of the top label (auto-dispatch needs 0.85):")
    for text in ("想问问社区的事", "楼下晚上很吵", "小区暖气不热"):
        best = model.top(text, k=1)[0]
        print(f"  {text}: {best.label} {best.confidence:.3f}")

    example = model.top(dev_texts[0], k=3)
    print("\nexample:", dev_texts[0][:40].replace("\n", " "), "…")
    for s in example:
        print(f"  {s.label} {s.confidence:.2f}  words: {' '.join(s.words)}")


if __name__ == "__main__":
    main()
