"""JSON-safe values: a run's curves (lists of floats, converted in one NumPy pass) come out as
each value would alone: NumPy floats as Python floats, NaN and infinities as null."""
import json
import math

import numpy as np

from nnstudio.core.jsonsafe import jsonable, scalar


def test_a_curve_of_floats_is_each_value_made_json_safe():
    curve = [0.5, np.float32(0.1), np.float64(2.0), float("nan"), np.float32("inf"), -1e300]
    out = jsonable(curve)
    assert out == [scalar(v) for v in curve] == [0.5, float(np.float32(0.1)), 2.0, None, None, -1e300]
    assert all(type(v) in (float, type(None)) for v in out)
    assert json.loads(json.dumps(jsonable({"history": {"loss": curve}}), allow_nan=False))


def test_lists_that_are_not_all_floats_keep_their_values_and_types():
    mixed = [1, 2.5, True, "a", np.int64(3), None, (0.25, 0.5), [float("nan")]]
    assert jsonable(mixed) == [1, 2.5, True, "a", 3, None, [0.25, 0.5], [None]]
    assert [type(v) for v in jsonable([1, 2.5])] == [int, float]
    assert jsonable([]) == [] and jsonable(()) == []
    assert jsonable(np.array([1.0, math.inf])) == [1.0, None]
