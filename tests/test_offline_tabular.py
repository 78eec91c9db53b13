"""Tabular classification offline: learned from the CSV's labelled rows, predicting the unlabelled ones."""

from __future__ import annotations

import pytest

from hugginggpt.errors import ExpertError
from hugginggpt.experts.base import ExpertCall
from hugginggpt.experts.offline.pool import ModelPool
from hugginggpt.experts.offline.tabular import classify, read_table, run_tabular

FRUIT = """weight_g;colour;diameter_cm;label
150;red;7.5;apple
170;green;8.0;apple
160;red;7.8;apple
120;yellow;19.0;banana
118;yellow;20.5;banana
125;green;18.0;banana
155;red;7.7;
121;yellow;19.5;?
"""


def test_the_label_column_is_found_by_name_or_is_the_last() -> None:
    assert read_table(FRUIT).label == 3
    assert read_table("a,class,b\n1,x,2\n3,,4\n").label == 1
    assert read_table("a,b,c\n1,2,x\n3,4,\n").label == 2


def test_unlabelled_rows_are_predicted_from_the_labelled_ones() -> None:
    result = classify(read_table(FRUIT))
    assert [(p["row"], p["label"]) for p in result["predictions"]] == [(7, "apple"), (8, "banana")]
    assert result["trained_on_rows"] == 6 and result["classes"] == ["apple", "banana"]
    assert result["leave_one_out_accuracy"] == 1.0
    assert result["features"] == ["weight_g", "colour", "diameter_cm"]  # a text column counts too


def test_the_answer_says_it_learned_from_the_table() -> None:
    output = run_tabular(ModelPool(), ExpertCall("tabular-classification", "builtin/knn-tabular", FRUIT))
    assert output.text is not None
    assert "Learned from this table's 6 labelled rows" in output.text and "no pretrained model" in output.text
    assert "row 7: apple" in output.text and "row 8: banana" in output.text and "100% came out right" in output.text


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("a,label\n1,x\n2,y\n", "leave it empty"),  # nothing to predict
        ("a,label\n1,x\n2,x\n3,\n", "two different classes"),
        ("just one column\n1\n", "two or more columns"),
    ],
)
def test_tables_it_cannot_learn_from_say_what_to_give(table: str, says: str) -> None:
    with pytest.raises(ExpertError, match=says):
        classify(read_table(table))
