"""The parts a Hub model takes, parsed from the one text the controller gives a task (pure functions)."""

from __future__ import annotations

import csv
import io
import re

from hugginggpt.errors import ExpertError

QA_HELP = (
    'give the question and the text it is about, e.g. "question: Who wrote it? context: ..." or the question '
    "ending in '?' followed by the text"
)

_LABELLED = re.compile(r"^\s*question\s*:\s*(?P<q>.+?)\s*(?:context|text|passage)\s*:\s*(?P<c>.+)$", re.I | re.S)


def question_and_context(text: str) -> tuple[str, str]:
    """(question, context) for extractive question answering."""
    labelled = _LABELLED.match(text)
    if labelled:
        return labelled["q"].strip(), labelled["c"].strip()
    mark = text.find("?")
    if mark > 0 and text[mark + 1 :].strip():
        before, after = text[: mark + 1].strip(), text[mark + 1 :].strip()
        # The question is the sentence that ends at the mark; what precedes it is context too.
        sentences = re.split(r"(?<=[.!])\s+", before)
        question = sentences[-1]
        context = " ".join([*sentences[:-1], after]).strip()
        return question, context
    raise ExpertError(f"question answering needs a question and a text: {QA_HELP}")


def table_from_csv(text: str) -> dict[str, list[str]]:
    """A CSV text (header row first) as the column-wise table the tabular models take."""
    rows = [row for row in csv.reader(io.StringIO(text.strip())) if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise ExpertError("tabular classification needs a CSV table: a header row and at least one data row")
    header = [name.strip() for name in rows[0]]
    if any(len(row) != len(header) for row in rows[1:]):
        raise ExpertError(f"every CSV row must have {len(header)} cells, like its header row")
    return {name: [row[i].strip() for row in rows[1:]] for i, name in enumerate(header)}


def chat_messages(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]
