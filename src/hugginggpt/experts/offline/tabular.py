"""Tabular classification of a CSV the user gives: trained on its labelled rows, predicting the others.

No package ships a pretrained tabular model that fits every table, so this expert learns from the table
itself and says so: the label column is one named like a label (label, class, target, category...) or
else the last; rows with a label train a k-nearest-neighbour vote (numeric columns standardised,
other columns compared as equal or not), rows without one are predicted, and the leave-one-out
accuracy on the labelled rows tells how far to trust the predictions. A table with no row to predict,
or too few labelled rows, is an error that says what to give.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall, ExpertOutput
from hugginggpt.experts.offline.assets import Assets
from hugginggpt.experts.offline.base import OfflineExpert, card, module
from hugginggpt.experts.offline.media import need_text
from hugginggpt.experts.offline.pool import ModelPool

MODEL_ID = "builtin/knn-tabular"
_LABEL_NAMES = re.compile(r"^(?:label|labels|class|classes|target|category|categories|outcome|y|species|type|kind)$")
_EMPTY = {"", "?", "nan", "na", "n/a", "none", "null", "-"}
MAX_SHOWN = 20


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    label: int  # the label column's index


def read_table(text: str) -> Table:
    """The CSV (comma, semicolon or tab separated, a header row first) and its label column."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    lines = [row for row in csv.reader(io.StringIO(text.strip()), dialect) if any(cell.strip() for cell in row)]
    if len(lines) < 2 or len(lines[0]) < 2:
        raise ExpertError("tabular classification needs a CSV table: a header row, two or more columns and data rows")
    header = [h.strip() for h in lines[0]]
    width = len(header)
    rows = [[cell.strip() for cell in (row + [""] * width)[:width]] for row in lines[1:]]
    named = [k for k, h in enumerate(header) if _LABEL_NAMES.match(h.lower())]
    return Table(header, rows, named[-1] if named else width - 1)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def classify(table: Table, k: int | None = None) -> dict[str, Any]:
    """Predictions for the unlabelled rows, the neighbours' votes, and leave-one-out accuracy; `k`
    defaults to the square root of the labelled rows (at most 7), so a small table asks few neighbours."""
    import numpy as np

    labelled = [r for r in table.rows if r[table.label].lower() not in _EMPTY]
    unlabelled = [i for i, r in enumerate(table.rows) if r[table.label].lower() in _EMPTY]
    name = table.header[table.label]
    if not unlabelled:
        raise ExpertError(
            f"every row has a value in the label column {name!r}: leave it empty (or '?') on the rows to predict"
        )
    classes = sorted({r[table.label] for r in labelled})
    if len(labelled) < 2 or len(classes) < 2:
        raise ExpertError(
            f"the label column {name!r} needs at least two labelled rows of two different classes to learn from"
        )
    features = [c for c in range(len(table.header)) if c != table.label]
    numeric = [c for c in features if all(_is_number(r[c]) for r in table.rows if r[c].lower() not in _EMPTY)]
    other = [c for c in features if c not in numeric]

    def numbers(rows: list[list[str]]) -> Any:
        out = np.full((len(rows), len(numeric)), np.nan)
        for i, row in enumerate(rows):
            for j, c in enumerate(numeric):
                if row[c].lower() not in _EMPTY:
                    out[i, j] = float(row[c])
        return out

    train = numbers(labelled)
    mean = np.nanmean(train, axis=0) if numeric else np.zeros(0)
    mean = np.where(np.isnan(mean), 0.0, mean)
    scale = np.nanstd(train, axis=0) if numeric else np.zeros(0)
    scale = np.where((scale == 0) | np.isnan(scale), 1.0, scale)

    def standard(rows: list[list[str]]) -> Any:
        x = numbers(rows)
        x = np.where(np.isnan(x), mean, x)
        return (x - mean) / scale

    k = k or max(1, min(7, round(len(labelled) ** 0.5)))
    x_train = standard(labelled)
    y_train = [r[table.label] for r in labelled]

    def distances(rows: list[list[str]]) -> Any:
        d = ((standard(rows)[:, None, :] - x_train[None, :, :]) ** 2).sum(axis=2)
        for c in other:  # a categorical column counts 1 when the values differ
            d += np.array([[float(a[c].lower() != b[c].lower()) for b in labelled] for a in rows])
        return np.sqrt(d)

    def vote(row_distances: Any, skip: int | None = None) -> tuple[str, int, int]:
        order = [j for j in np.argsort(row_distances, kind="stable") if j != skip][: min(k, len(labelled) - 1)]
        weights: dict[str, float] = {}
        for j in order:
            weights[y_train[j]] = weights.get(y_train[j], 0.0) + 1.0 / (1e-6 + float(row_distances[j]))
        best = max(weights, key=lambda label: weights[label])
        return best, sum(y_train[j] == best for j in order), len(order)

    own = distances(labelled)
    correct = sum(vote(own[i], skip=i)[0] == y_train[i] for i in range(len(labelled)))
    predicted = distances([table.rows[i] for i in unlabelled])
    predictions = []
    for n, row_index in enumerate(unlabelled):
        label, agree, of = vote(predicted[n])
        predictions.append({"row": row_index + 1, "label": label, "neighbours_agreeing": agree, "neighbours": of})
    return {
        "label_column": name,
        "classes": classes,
        "trained_on_rows": len(labelled),
        "features": [table.header[c] for c in features],
        "leave_one_out_accuracy": correct / len(labelled),
        "predictions": predictions,
    }


def run_tabular(pool: ModelPool, call: ExpertCall) -> ExpertOutput:
    result = classify(read_table(need_text(call)))
    shown = result["predictions"][:MAX_SHOWN]
    lines = [
        f"row {p['row']}: {p['label']} ({p['neighbours_agreeing']} of {p['neighbours']} nearest labelled rows agree)"
        for p in shown
    ]
    if len(result["predictions"]) > MAX_SHOWN:
        lines.append(f"... and {len(result['predictions']) - MAX_SHOWN} more rows (all in the data)")
    text = (
        f"Learned from this table's {result['trained_on_rows']} labelled rows (column {result['label_column']!r}: "
        f"{', '.join(result['classes'])}), no pretrained model; predicted {len(result['predictions'])} "
        f"row(s) without a label:\n" + "\n".join(lines) + f"\nOn the labelled rows, each predicted from the "
        f"others, {result['leave_one_out_accuracy']:.0%} came out right: that is how far to trust these."
    )
    return ExpertOutput(text=text, data=result)


def experts(assets: Assets) -> list[OfflineExpert]:  # the table is the only asset
    return [
        OfflineExpert(
            card(
                MODEL_ID,
                "tabular-classification",
                "k-nearest-neighbour vote learned from the labelled rows of the CSV given (the label column is "
                "named label, class, target... or is the last); predicts the rows whose label is empty and "
                "reports leave-one-out accuracy. It learns from the table itself: no pretrained model.",
                license="MIT",
                tags=("csv", "knn"),
            ),
            run_tabular,
            (module("numpy"),),
        )
    ]
