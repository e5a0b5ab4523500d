"""`nnstudio train --layers`: the compact text form on the command line, its params, its errors."""
import json

import pytest

from nnstudio.cli import main


def run(capsys, *args):
    code = main(["train", "xor", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.usefixtures("tf_loaded")
@pytest.mark.parametrize("layers, params", [
    ("dense:3:tanh,dropout:0.1,dense:1:sigmoid", 2 * 3 + 3 + 3 + 1),  # ends with its output layer
    ("", 2 + 1),  # no hidden layer: the perceptron
])
def test_valid_layers_train_and_report_params(capsys, layers, params):
    code, out, err = run(capsys, "--layers", layers, "--epochs", "1", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["params"] == params and result["epochs_run"] == 1


@pytest.mark.parametrize("layers, words", [
    ("dense:x", "Cannot read layer 'dense:x'"),
    ("conv:3", "Unknown layer type 'conv'"),
    ("dense:4:softmax:output", "Binary classification needs 1 sigmoid output unit, not 4"),
    ("dense:6:relu,dense:1:relu", "needs a sigmoid output (got relu)"),
    ("dense:4:step", "cannot be trained by gradient descent"),
])
def test_invalid_layers_exit_2_with_one_line(capsys, layers, words):
    code, out, err = run(capsys, "--layers", layers, "--epochs", "1")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("nnstudio: error: ") and words in err
