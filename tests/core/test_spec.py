"""The network spec: JSON and text forms, validation per task, parameter counts (no TensorFlow)."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnstudio.core.errors import SpecError
from nnstudio.core.model.spec import (
    HELP,
    INITIALIZER_HELP,
    INITIALIZERS,
    LAYER_KINDS,
    LayerSpec,
    NetworkSpec,
    Task,
    advice,
    count_params,
    default_output,
    param_counts,
    problems,
    validate,
)
from nnstudio.core.registry import ACTIVATIONS, TRAINABLE_ACTIVATIONS

# ----- strategies ----------------------------------------------------------------------------------
nums = st.one_of(st.just(0.0), st.floats(1e-7, 10.0, allow_nan=False, allow_infinity=False))
rates = st.floats(0.0, 0.999, allow_nan=False)
dense = st.builds(LayerSpec.dense, st.integers(1, 300), st.sampled_from(TRAINABLE_ACTIVATIONS),
                  initializer=st.sampled_from(INITIALIZERS), use_bias=st.booleans(), l1=nums, l2=nums)
layers = st.one_of(
    dense,
    st.builds(LayerSpec.dropout, rates),
    st.builds(LayerSpec.gaussian_dropout, rates),
    st.builds(LayerSpec.alpha_dropout, rates),
    st.builds(LayerSpec.gaussian_noise, st.floats(0.0, 1.0, allow_nan=False)),
    st.just(LayerSpec.batchnorm()),
)
specs = st.builds(NetworkSpec, st.lists(layers, max_size=8), st.one_of(st.none(), dense))


@settings(max_examples=150, deadline=None)
@given(specs)
def test_json_round_trip(spec):
    text = json.dumps(spec.to_dict())
    back = NetworkSpec.from_dict(json.loads(text))
    assert back.to_dict() == spec.to_dict()
    assert back == NetworkSpec([l.normalized() for l in spec.hidden],
                               spec.output.normalized() if spec.output else None)


@settings(max_examples=150, deadline=None)
@given(specs)
def test_text_round_trip(spec):
    back = NetworkSpec.parse(spec.compact())
    assert back.to_dict() == spec.to_dict()


def test_to_dict_keeps_only_the_fields_of_the_kind():
    assert LayerSpec.dropout(0.3).to_dict() == {"kind": "dropout", "rate": 0.3}
    assert LayerSpec.batchnorm().to_dict() == {"kind": "batchnorm"}
    assert set(LayerSpec.dense(3).to_dict()) == {"kind", "units", "activation", "initializer",
                                                 "use_bias", "l1", "l2"}


@pytest.mark.parametrize("bad, words", [
    ({"hidden": [{"kind": "dense", "units": 0}]}, "at least 1 unit"),
    ({"hidden": [{"kind": "dense", "units": 4, "colour": "red"}]}, "Unknown layer field"),
    ({"hidden": [{"kind": "conv2d"}]}, "Unknown layer type"),
    ({"hidden": [{"kind": "dense", "units": 4, "use_bias": "yes"}]}, "use_bias"),
    ({"hidden": [{"kind": "dense", "units": 4, "l2": -1}]}, "L2"),
    ({"hidden": [{"kind": "dropout", "rate": 1.0}]}, "below 1"),
    ({"hidden": [], "output": {"kind": "dropout", "rate": 0.1}}, "output layer must be a Dense"),
    ({"hidden": "dense:4"}, "list"),
    ({"layers": []}, "'hidden'"),
    ({"hidden": [], "extra": 1}, "Unknown network field"),
    ({"hidden": [7]}, "must be an object"),
])
def test_from_dict_rejects_bad_documents_with_a_reason(bad, words):
    with pytest.raises(SpecError, match=words):
        NetworkSpec.from_dict(bad)


# ----- the text form ----------------------------------------------------------------------------------
def test_parse_w1_and_the_perceptron():
    spec = NetworkSpec.parse("dense:6:relu,dropout:0.2,dense:4:relu,dropout:0.2")
    assert [l.compact() for l in spec.hidden] == ["dense:6:relu", "dropout:0.2", "dense:4:relu",
                                                  "dropout:0.2"]
    assert spec.output is None
    assert NetworkSpec.parse("") == NetworkSpec([], None)
    assert NetworkSpec.parse("  ") == NetworkSpec([], None)


def test_parse_options_and_aliases():
    spec = NetworkSpec.parse("dense:8:tanh:init=he_normal:l1=0.01:l2=1e-4:nobias, bn, noise:0.3, "
                             "gaussian_dropout:0.1, alpha_dropout:0.05, dense:5")
    d, bn, noise, gd, ad, d2 = spec.hidden
    assert (d.units, d.activation, d.initializer, d.l1, d.l2, d.use_bias) == \
        (8, "tanh", "he_normal", 0.01, 1e-4, False)
    assert bn.kind == "batchnorm" and noise.stddev == 0.3
    assert (gd.kind, gd.rate, ad.kind, ad.rate) == ("gaussian_dropout", 0.1, "alpha_dropout", 0.05)
    assert (d2.units, d2.activation) == (5, "relu")


@pytest.mark.parametrize("text, words", [
    ("dense:x", "Cannot read layer 'dense:x'"),
    ("dense", "Cannot read layer"),
    ("conv:3", "Unknown layer type 'conv'"),
    ("dense:4:wiggle", "Unknown activation 'wiggle'"),
    ("dense:4:step", "cannot be trained by gradient descent"),
    ("dense:0:relu", "at least 1 unit"),
    ("dropout", "Cannot read layer"),
    ("dropout:1.5", "below 1"),
    # Keras' GaussianNoise refuses more than 1: it failed inside the run ("Something went wrong")
    ("gaussian_noise:100", "between 0 and 1"),
    ("dense:4:relu:init=magic", "Unknown initializer 'magic'"),
    ("dense:4:relu:colour=red", "Unknown Dense option"),
    ("dense:1:sigmoid:output,dense:4:relu", "only the last layer"),
    ("dropout:0.2:output", "must be a Dense layer"),
    ("dense:4:relu,,dense:2", "Empty layer"),
])
def test_parse_errors_say_what_is_wrong(text, words):
    with pytest.raises(SpecError, match=words) as info:
        NetworkSpec.parse(text)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text, task, k, output", [
    ("dense:6:relu,dense:1:sigmoid", Task.BINARY, 2, "dense:1:sigmoid"),
    ("dense:6:relu,dense:4:relu", Task.BINARY, 2, None),
    ("dense:6:relu,dense:2:softmax", Task.BINARY, 2, "dense:2:softmax"),
    ("dense:6:relu,dense:2:relu", Task.BINARY, 2, None),
    ("dense:64:relu,dense:64:relu,dense:10:softmax", Task.MULTICLASS, 10, "dense:10:softmax"),
    ("dense:64:relu,dense:1:linear", Task.REGRESSION, 1, "dense:1:linear"),
    ("dense:8:relu,dropout:0.2", Task.REGRESSION, 1, None),
    ("", Task.BINARY, 2, None),
    ("dense:1:sigmoid", Task.BINARY, 2, "dense:1:sigmoid"),  # the perceptron written out
])
def test_a_stack_that_ends_with_an_output_layer_keeps_it(text, task, k, output):
    spec = NetworkSpec.parse(text, task, k)
    assert (spec.output.compact() if spec.output else None) == output
    assert len(spec.layers_for(task, k)) == len([t for t in text.split(",") if t]) + (output is None)


# ----- validation ---------------------------------------------------------------------------------------
def test_default_outputs_follow_the_task_and_are_valid():
    assert default_output(Task.BINARY).compact() == "dense:1:sigmoid"
    assert default_output(Task.MULTICLASS, 7).compact() == "dense:7:softmax"
    assert default_output(Task.REGRESSION).compact() == "dense:1:linear"
    for task, k in ((Task.BINARY, 2), (Task.MULTICLASS, 7), (Task.REGRESSION, 1)):
        assert validate(NetworkSpec([LayerSpec.dense(4)]), task, k) == []
        assert validate(NetworkSpec([]), task, k) == []  # no hidden layer: valid (the perceptron)


@pytest.mark.parametrize("task, k, out, words", [
    (Task.BINARY, 2, LayerSpec.dense(1, "softmax"), "Softmax on one unit always outputs 1.0"),
    (Task.MULTICLASS, 3, LayerSpec.dense(1, "softmax"), "Softmax on one unit"),
    (Task.BINARY, 2, LayerSpec.dense(1, "relu"), "needs a sigmoid output"),
    (Task.BINARY, 2, LayerSpec.dense(3, "sigmoid"), "1 sigmoid output unit, not 3"),
    (Task.BINARY, 2, LayerSpec.dense(2, "softmax"), "1 sigmoid output unit, not 2"),
    (Task.MULTICLASS, 10, LayerSpec.dense(8, "softmax"), "has 8 units but the target has 10 classes"),
    (Task.MULTICLASS, 10, LayerSpec.dense(10, "sigmoid"), "needs softmax"),
    (Task.REGRESSION, 1, LayerSpec.dense(1, "sigmoid"), "squashes predictions"),
    (Task.REGRESSION, 1, LayerSpec.dense(1, "tanh"), "squashes predictions"),
    (Task.REGRESSION, 1, LayerSpec.dense(3, "linear"), "use 1 output unit, not 3"),
])
def test_output_layers_that_cannot_train_are_flagged_with_the_reason(task, k, out, words):
    spec = NetworkSpec([LayerSpec.dense(6)], out)
    found = problems(spec, task, k)
    assert found and all(p.layer == spec.output_index for p in found)
    assert any(words in p.message for p in found), found
    texts = validate(spec, task, k)
    assert texts[0].startswith("Output layer: ")


def test_a_bad_hidden_layer_is_flagged_by_its_number():
    spec = NetworkSpec([LayerSpec.dense(4), LayerSpec.dense(0)])
    (p,) = problems(spec, Task.BINARY)
    assert p.layer == 1 and "at least 1 unit" in p.message
    assert validate(spec, Task.BINARY) == [f"Layer 2: {p.message}"]


def test_advice_is_given_for_likely_mistakes_but_does_not_block():
    spec = NetworkSpec([LayerSpec.dense(4, "relu"), LayerSpec.alpha_dropout(0.1),
                        LayerSpec.dense(4, "relu", initializer="zeros")], LayerSpec.dense(1, "relu"))
    tips = advice(spec, Task.REGRESSION, 1)
    assert {t.layer for t in tips} == {1, 2, 3}
    assert validate(spec, Task.REGRESSION, 1) == []
    assert advice(NetworkSpec([LayerSpec.dense(6), LayerSpec.dense(4)]), Task.BINARY) == []


# ----- counts and words ------------------------------------------------------------------------------------
def test_param_counts_of_w1():
    spec = NetworkSpec.parse("dense:6:relu,dropout:0.2,dense:4:relu,dropout:0.2")
    assert [n for _, n in param_counts(spec, 2, Task.BINARY)] == [18, 0, 28, 0, 5]
    assert count_params(spec, 2, Task.BINARY) == 51
    assert count_params(NetworkSpec([]), 2, Task.BINARY) == 3
    # batch normalization: 4 numbers per input (2 of them non-trainable statistics)
    assert count_params(NetworkSpec.parse("bn,dense:3:relu:nobias"), 5, Task.MULTICLASS, 4) == \
        20 + 15 + 3 * 4 + 4


def test_summary_says_where_the_output_comes_from():
    spec = NetworkSpec.parse("dense:6:relu,dense:4:relu")
    assert spec.summary(Task.BINARY)[-1] == \
        "Dense 1, sigmoid — output, from the task (binary classification)"
    spec.output = LayerSpec.dense(1, "sigmoid")
    assert spec.summary(Task.BINARY)[-1] == "Dense 1, sigmoid — output, set by you"


def test_every_field_kind_activation_and_initializer_has_a_one_sentence_tooltip():
    keys = [*LAYER_KINDS, "units", "activation", "initializer", "use_bias", "l1", "l2", "rate",
            "stddev"]
    activation_help = {a: entry.help for a, entry in ACTIVATIONS.items()}
    for table, names in ((HELP, keys), (activation_help, ACTIVATIONS), (INITIALIZER_HELP, INITIALIZERS)):
        for name in names:
            text = table[name]
            assert text.endswith(".") and text.count(". ") == 0, (name, text)


def test_changing_kind_keeps_shared_settings():
    d = LayerSpec.dense(7, "tanh", l2=0.01)
    drop = LayerSpec.of_kind("dropout", d)
    assert drop.to_dict() == {"kind": "dropout", "rate": 0.2}
    assert LayerSpec.of_kind("dense", drop).units == 8  # back to the defaults, not a stale value
    with pytest.raises(SpecError):
        LayerSpec.of_kind("conv", d)
