"""Reading labelled messages from a deployment's history files (.xlsx or .csv) for training and
evaluation, with errors that say exactly what is wrong with the file."""

import csv
import io
import sys
import time
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _

from core.errors import BadInput


def read_table(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a .csv (UTF-8, with or without BOM, or GB18030) or of the first sheet of an .xlsx."""
    path = Path(path)
    if not path.is_file():
        raise BadInput(_("No file at %(path)s.") % {"path": path})
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
            raise BadInput(_("%(path)s is not a readable Excel workbook (.xlsx).") % {"path": path}) from None
        try:
            lines = workbook.worksheets[0].iter_rows(values_only=True)
            header = ["" if c is None else str(c).strip() for c in next(lines, ())]
            rows = [["" if c is None else str(c) for c in line] for line in lines]
        finally:
            workbook.close()
    elif suffix in (".csv", ".txt", ".tsv"):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise BadInput(_("%(path)s is neither UTF-8 nor GB18030 text.") % {"path": path})
        dialect = csv.excel_tab if suffix == ".tsv" else csv.excel
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        try:
            header = [c.strip() for c in next(reader, [])]
            rows = list(reader)
        except csv.Error as exc:
            raise BadInput(_("%(path)s is not valid CSV: %(error)s") % {"path": path, "error": exc}) from None
    else:
        raise BadInput(_("Give an .xlsx or .csv file; %(path)s is neither.") % {"path": path})
    if not header or not any(header):
        raise BadInput(_("%(path)s has no header row.") % {"path": path})
    return header, rows


def read_labelled(path, text_columns: list[str], label_column: str) -> tuple[list[str], list[str]]:
    """Texts (the text columns joined by a line break) and labels; rows without a label or text are skipped."""
    header, rows = read_table(path)
    index = {name: i for i, name in enumerate(header)}
    missing = [name for name in [*text_columns, label_column] if name not in index]
    if missing:
        raise BadInput(_("%(path)s has no column %(missing)s. Its columns are: %(columns)s.") % {
            "path": path, "missing": "、".join(missing), "columns": "、".join(h for h in header if h)})
    texts, labels = [], []
    for row in rows:
        cells = [row[index[name]] if index[name] < len(row) else "" for name in text_columns]
        label = row[index[label_column]].strip() if index[label_column] < len(row) else ""
        text = "\n".join(c.strip() for c in cells if c and c.strip())
        if text and label:
            texts.append(text)
            labels.append(label)
    if not texts:
        raise BadInput(_("%(path)s has no row with both a text and a label.") % {"path": path})
    return texts, labels


class ProgressLine:
    """A one-line progress indicator on stderr: "segmenting 3000/7845 38%"."""

    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self.last < 0.2:
            return
        self.last = now
        pct = 100 * done // max(total, 1)
        end = "\n" if done >= total else ""
        text = f"\r{stage}: {done}/{total} {pct}%{end}"
        try:
            self.stream.write(text, ending="")  # a management command's OutputWrapper
        except TypeError:
            self.stream.write(text)
        self.stream.flush()


def metrics_lines(metrics: dict) -> list[str]:
    """A plain-text report: overall figures, per-label precision/recall/F1, the confusion matrix."""
    lines = [f"accuracy {metrics['accuracy']:.4f}   macro-F1 {metrics['macro_f1']:.4f}"
             + (f"   top-2 accuracy {metrics['top2_accuracy']:.4f}" if "top2_accuracy" in metrics else "")
             + f"   (n={metrics['n']})"]
    labels = metrics["labels"]
    width = max([len(label) for label in labels] + [5]) + 2
    lines.append(f"{'label':<{width}}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}")
    for label in labels:
        row = metrics["per_class"][label]
        lines.append(f"{label:<{width}}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}"
                     f"{row['support']:>9}")
    lines.append("confusion matrix (rows: true label, columns: predicted, in the order above):")
    for label, counts in zip(labels, metrics["confusion"], strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{n:>6}" for n in counts))
    return lines
