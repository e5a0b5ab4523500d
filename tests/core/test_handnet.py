"""Hand-set networks: the W5 and W2 presets, the JSON file, and clear errors for bad input."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from nnstudio.core.handnet import PRESETS, HandLayer, HandNet, HandNetError, get_preset, parse_rows


def test_w5_one_hidden_layer_relu_gives_minus_3():
    p = get_preset("w5-relu")
    t = p.net.trace([[-1, 2]])
    assert t.layers[0].z.tolist() == [[3.0, 9.0]]  # node_0 = 3*-1 + 3*2, node_1 = 1*-1 + 5*2
    assert t.output.tolist() == [[-3.0]]


def test_w5_tanh_hidden_gives_the_correct_value_not_the_tutorials():
    out = get_preset("w5-tanh").net.evaluate([[-1, 2]])[0, 0]
    assert out == pytest.approx(2 * math.tanh(3) - math.tanh(9), abs=1e-12)
    assert out == pytest.approx(0.9901095378, abs=1e-10)
    assert out != pytest.approx(0.9950547536867305, abs=1e-6)  # the tutorial's tanh(3)


def test_w5_relu_output_row_table():
    p = get_preset("w5-relu-rows")
    out = p.net.evaluate(p.rows)[:, 0]
    assert p.rows[0] == [-1, 2] and out[0] == 0.0  # weighted sum -3, ReLU -> 0
    # with both hidden nodes active the output is 2*3(a+b) - (a+5b) = 5a + b
    assert p.net.evaluate([[2, 2]])[0, 0] == 12.0
    assert p.net.evaluate([[3, 5]])[0, 0] == 20.0


def test_w5_two_hidden_layers_gives_364():
    t = get_preset("w5-two-hidden").net.trace("3,5")
    assert t.layers[0].a.tolist() == [[26.0, 0.0]]
    assert t.layers[1].a.tolist() == [[0.0, 52.0]]
    assert t.output.tolist() == [[364.0]]


def test_or_step_unit_gives_the_truth_table():
    p = get_preset("w2-or-step")
    out = p.net.evaluate(p.rows)[:, 0]
    truth = [float(a or b) for a, b in p.rows]
    assert p.rows == [[0, 0], [0, 1], [1, 0], [1, 1]] and out.tolist() == truth
    assert p.net.has_step and "gradient" in p.note


def test_presets_are_copies():
    a = get_preset("w5-relu")
    a.net.layers[0].weights[0, 0] = 99
    assert get_preset("w5-relu").net.layers[0].weights[0, 0] == 3
    assert set(PRESETS) >= {"w5-relu", "w5-tanh", "w5-relu-rows", "w5-two-hidden", "w2-or-step"}


def test_json_round_trip(tmp_path):
    net = get_preset("w5-two-hidden").net
    path = net.save(tmp_path / "net.json")
    d = json.loads(path.read_text())
    assert d["layers"][0] == {"weights": [[2, 4], [4, -5]], "bias": None, "activation": "relu"}
    again = HandNet.load(path)
    assert again.evaluate([[3, 5]]).tolist() == [[364.0]]
    assert again.to_dict() == net.to_dict()


def test_bias_is_optional_and_a_layer_defaults_to_linear():
    net = HandNet.from_dict({"layers": [{"weights": [[2], [3]]}]})
    assert net.layers[0].bias is None and net.layers[0].activation == "linear"
    assert net.evaluate([[1, 1]]).tolist() == [[5.0]]


@pytest.mark.parametrize("doc, message", [
    ([1, 2], "must be a JSON object"),
    ({}, "non-empty 'layers' list"),
    ({"layers": [], "x": 1}, "Unknown field"),
    ({"layers": [{"weights": [1, 1], "bias": None, "activation": "relu"}]}, "not a flat list"),
    ({"layers": [{"weights": [[1, 2], [3]], "activation": "relu"}]}, "row 2 has 1 numbers but row 1 has 2"),
    ({"layers": [{"weights": [[1], ["x"]], "activation": "relu"}]}, r"row 2, node 1: 'x' is not a number"),
    ({"layers": [{"weights": [[1], [True]], "activation": "relu"}]}, "true is not a number"),
    ({"layers": [{"weights": [[1, 1]], "bias": [0], "activation": "relu"}]}, "2 nodes .* but 1 bias value"),
    ({"layers": [{"weights": [[1]], "activation": "wobble"}]}, "unknown activation 'wobble'"),
    ({"layers": [{"weights": [[1]], "activations": "relu"}]}, "unknown field"),
    ({"layers": [{"bias": [1]}]}, "has no 'weights'"),
    ({"layers": [{"weights": [[1, 1], [1, 1]], "activation": "relu"},
                 {"weights": [[1], [1], [1]], "activation": "linear"}]},
     "Layer 2's weights have 3 rows .* but layer 1 has 2 nodes"),
])
def test_invalid_networks_are_refused_with_a_clear_message(doc, message):
    with pytest.raises(HandNetError, match=message):
        HandNet.from_json(json.dumps(doc))


def test_file_errors(tmp_path):
    with pytest.raises(HandNetError, match="There is no file"):
        HandNet.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"layers": [}')
    with pytest.raises(HandNetError, match=r"not valid JSON \(line 1"):
        HandNet.load(bad)
    binary = tmp_path / "x.json"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(HandNetError, match="not a text"):
        HandNet.load(binary)
    nan = tmp_path / "nan.json"
    nan.write_text('{"layers": [{"weights": [[NaN]]}]}')
    with pytest.raises(HandNetError, match="not a finite number"):
        HandNet.load(nan)


def test_parse_rows_accepts_typed_and_pasted_text():
    assert parse_rows("3,5;1,2").tolist() == [[3, 5], [1, 2]]
    assert parse_rows("3\t5\n1\t2\n").tolist() == [[3, 5], [1, 2]]  # pasted from a spreadsheet
    assert parse_rows("[-1, 2]; [−3 4]").tolist() == [[-1, 2], [-3, 4]]
    with pytest.raises(HandNetError, match="Row 2: 'x' is not a number"):
        parse_rows("1,2;x,3")
    with pytest.raises(HandNetError, match="Row 2 has 3 values but the network takes 2"):
        parse_rows("1,2;1,2,3", width=2)
    with pytest.raises(HandNetError, match="No input rows"):
        parse_rows("  ")


def test_hand_layer_make_from_arrays():
    layer = HandLayer.make(np.array([[1.0, 2.0]]), np.array([0.5, -0.5]), "sigmoid")
    assert layer.units == 2 and layer.n_inputs == 1 and layer.bias.tolist() == [0.5, -0.5]
