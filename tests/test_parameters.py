"""Values for API tools' named parameters: the spans a request names and which parameter each fills."""

from __future__ import annotations

from typing import Any

import pytest

from hugginggpt.planning.parameters import fill, value_spans


def param(name: str, kind: str = "string", desc: str = "") -> dict[str, Any]:
    return {"name": name, "type": kind, "desc": desc}


def spans_of(request: str) -> list[tuple[str, str]]:
    return [(s.text, s.shape) for s in value_spans(request)]


def test_shapes_of_values() -> None:
    found = spans_of(
        "Email ana@example.org the file report.pdf and the link https://example.com/q?x=1 by 2024-06-02 at 7:30 pm; "
        "it costs $45, 20% off, 3 seats, call +1 555 123 4567"
    )
    assert ("ana@example.org", "email") in found
    assert ("report.pdf", "file") in found
    assert ("https://example.com/q?x=1", "url") in found
    assert ("2024-06-02", "date") in found and ("7:30 pm", "time") in found
    assert ("$45", "money") in found and ("20%", "percent") in found and ("3", "number") in found
    assert ("+1 555 123 4567", "phone") in found


def test_names_and_quotes() -> None:
    found = spans_of("Play Bohemian Rhapsody by Queen, then text Tom 'running late' next Friday")
    assert ("Bohemian Rhapsody", "name") in found  # the verb that opens the sentence is no part of it
    assert ("Queen", "name") in found and ("Tom", "name") in found
    assert ("running late", "quote") in found and ("next Friday", "date") in found
    assert all(text != "Play" for text, _ in found)


@pytest.mark.parametrize(
    ("request_text", "parameters", "expected"),
    [
        (
            "Find flights from Paris to New York on March 15, 2024",
            [param("destination", desc="arrival city"), param("origin", desc="departure city"), param("date")],
            {"origin": "Paris", "destination": "New York", "date": "March 15, 2024"},
        ),
        (
            "Convert 45 USD to EUR",
            [param("amount", "number"), param("from_currency"), param("to_currency")],
            {"amount": "45", "from_currency": "USD", "to_currency": "EUR"},
        ),
        (
            'Email bob@example.com with the subject "Trip" saying "See you in Rome"',
            [param("to", desc="recipient address"), param("subject"), param("body")],
            {"to": "bob@example.com", "subject": "Trip", "body": "See you in Rome"},
        ),
        (
            "Remind me to call Sarah at 7:30 pm",
            [param("text", desc="what to remind"), param("time")],
            {"text": "call Sarah", "time": "7:30 pm"},
        ),
        ("Set the thermostat to $5", [param("temperature", "integer")], {"temperature": "5"}),
    ],
)
def test_parameters_take_the_values_their_names_describe(
    request_text: str, parameters: list[dict[str, Any]], expected: dict[str, str]
) -> None:
    filled = {a["name"]: a["value"] for a in fill(parameters, value_spans(request_text))}
    assert filled == expected


def test_a_parameter_nothing_suits_is_left_out() -> None:
    assert fill([param("count", "integer")], value_spans("Play some jazz please")) == []
    assert fill([], value_spans("Play Queen")) == []
