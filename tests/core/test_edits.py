"""Pure edits of a network spec (core/model/edits.py): what the network editor does, without Qt."""
from __future__ import annotations

import pytest

from nnstudio.core.errors import SpecError
from nnstudio.core.model import edits
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task

W1 = "dense:6:relu,dense:4:relu"


def spec(text: str = W1) -> NetworkSpec:
    return NetworkSpec.parse(text)


def compact(s: NetworkSpec) -> str:
    return s.compact()


def test_edits_never_change_the_spec_they_are_given():
    s = spec()
    before = s.to_dict()
    for e in (edits.add_layer(s, "dense", 0), edits.remove_layer(s, 0), edits.duplicate_layer(s, 1),
              edits.move_layer(s, 0, 1), edits.set_layer(s, 0, LayerSpec.dense(9, "tanh")),
              edits.change_units(s, 1, +2), edits.set_dropout_after_hidden(s, True, 0.3),
              edits.remove_last_hidden_dense(s)):
        assert e is not None and e.spec.to_dict() != before
    assert s.to_dict() == before


def test_add_insert_remove_duplicate_move():
    s = spec()
    e = edits.add_layer(s, "dense", 0)  # below row 0: copies the Dense above it
    assert compact(e.spec) == "dense:6:relu,dense:6:relu,dense:4:relu" and e.row == 1
    assert e.text == "Add Dense 6, relu"
    e = edits.add_layer(s, "dropout", 1, before=True, dropout_rate=0.25)
    assert compact(e.spec) == "dense:6:relu,dropout:0.25,dense:4:relu" and e.text.startswith("Insert")
    assert edits.add_layer(s, "dense", 2).row == 2  # the output row: appended to the hidden stack
    assert edits.add_layer(NetworkSpec([]), "dense", 0).spec.hidden[0] == LayerSpec.dense(4, "relu")
    e = edits.remove_layer(s, 0)
    assert compact(e.spec) == "dense:4:relu" and e.row == 0 and e.text == "Remove layer 1 (Dense 6, relu)"
    assert edits.remove_layer(s, 2) is None  # the output row is not removable
    assert compact(edits.duplicate_layer(s, 1).spec) == "dense:6:relu,dense:4:relu,dense:4:relu"
    e = edits.move_layer(s, 1, 0)
    assert compact(e.spec) == "dense:4:relu,dense:6:relu" and e.text.endswith("up") and e.row == 0
    assert edits.move_layer(s, 0, 0) is None and edits.move_layer(s, 0, 2) is None


def test_units_and_the_output_layer():
    s = spec()
    assert edits.change_units(s, 0, -5).spec.hidden[0].units == 1
    assert edits.change_units(s, 0, -6) is None  # no layer of 0 units
    assert edits.change_units(s, 2, +1) is None  # the output follows the task
    e = edits.set_output_follows_task(s, False, Task.MULTICLASS, 3)
    assert e.spec.output == LayerSpec.dense(3, "softmax") and e.row == 2
    wider = edits.change_units(e.spec, 2, +1)
    assert wider.spec.output.units == 4 and wider.text == "Set the units of the output layer to 4"
    assert edits.set_output_follows_task(e.spec, True, Task.MULTICLASS, 3).spec.output is None
    e = edits.set_layer(s, 2, LayerSpec.dense(1, "sigmoid"))
    assert e.spec.output == LayerSpec.dense(1, "sigmoid") and e.text.startswith("Change the output")
    assert edits.set_layer(s, 5, LayerSpec.dense(1, "sigmoid")) is None


def test_dropout_after_the_hidden_layers():
    s = spec()
    assert edits.dropout_state(s) == (2, 0, None)
    on = edits.set_dropout_after_hidden(s, True, 0.3).spec
    assert compact(on) == "dense:6:relu,dropout:0.3,dense:4:relu,dropout:0.3"
    assert edits.dropout_state(on) == (2, 2, 0.3)
    assert compact(edits.set_dropout_after_hidden(on, True, 0.3).spec) == compact(on)  # no doubles
    assert compact(edits.set_dropout_rate_after_hidden(on, 0.5).spec) == \
        "dense:6:relu,dropout:0.5,dense:4:relu,dropout:0.5"
    assert compact(edits.set_dropout_after_hidden(on, False).spec) == W1


def test_playground_minus_layer_and_text():
    s = spec("dense:8:tanh,dense:4:tanh,dropout:0.2")
    e = edits.remove_last_hidden_dense(s)
    assert compact(e.spec) == "dense:8:tanh" and e.row == 0
    assert edits.remove_last_hidden_dense(NetworkSpec([LayerSpec.dropout(0.1)])) is None
    assert compact(edits.from_text("dense:3:relu", Task.BINARY, 2).spec) == "dense:3:relu"
    with pytest.raises(SpecError):
        edits.from_text("dense:zero:relu", Task.BINARY, 2)
