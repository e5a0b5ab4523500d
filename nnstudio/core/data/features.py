"""Engineered inputs: squares, pairwise products, sin/cos and formula columns of the numeric inputs.

An engineered input is written as a formula over column names, in ``pandas.eval``'s arithmetic:
``x^2`` (``^`` is read as a power, as people write it), ``x*y``, ``sin(x)``, ``x**2 + y**2``,
`` `class id` * 2 `` (backticks around a name with spaces). The formula's text is the input's name.

One parsed formula (Python's ``ast``, restricted to numbers, column names, ``+ - * / **`` and the
functions in :data:`FUNCTIONS`) is evaluated two ways: on NumPy columns by the fitted preprocessing,
and on Keras tensors with ``keras.ops`` inside an exported model. Both follow the same tree, so the
app and a plain ``keras.saving.load_model`` of the export compute the same inputs.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from nnstudio.core.errors import DataError

#: Functions a formula may call: name -> (NumPy function, keras.ops name).
FUNCTIONS: dict[str, tuple[Callable, str]] = {
    "sin": (np.sin, "sin"), "cos": (np.cos, "cos"), "tan": (np.tan, "tan"),
    "tanh": (np.tanh, "tanh"), "exp": (np.exp, "exp"), "log": (np.log, "log"),
    "sqrt": (np.sqrt, "sqrt"), "abs": (np.abs, "abs"),
}
_BINARY = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "divide",
           ast.Pow: "power"}
_EXAMPLES = "x^2, x*y, sin(x), x**2 + y**2"


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text (the input's name), its tree and the columns it reads."""

    text: str
    tree: ast.expr
    columns: tuple[str, ...]

    def numpy(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """The formula on NumPy columns (float64; NaN where a value is missing or out of domain)."""
        with np.errstate(all="ignore"):
            out = _eval(self.tree, values, _NUMPY)
        return np.broadcast_to(np.asarray(out, dtype=np.float64),
                               np.shape(next(iter(values.values())))).copy()

    def keras(self, values: Mapping[str, object], ops) -> object:
        """The formula on Keras tensors (``ops`` is ``keras.ops``)."""
        out = _eval(self.tree, values, _KerasOps(ops))
        if isinstance(out, (int, float)):
            out = ops.zeros_like(next(iter(values.values()))) + float(out)
        return out


class _Numpy:
    def call(self, fn, arg):
        return FUNCTIONS[fn][0](arg)

    def binary(self, op, a, b):
        return getattr(np, op)(np.asarray(a, dtype=np.float64), b)

    def neg(self, a):
        return -a


class _KerasOps:
    def __init__(self, ops) -> None:
        self.ops = ops

    def call(self, fn, arg):
        return getattr(self.ops, FUNCTIONS[fn][1])(arg)

    def binary(self, op, a, b):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)):
            return _Numpy().binary(op, a, b).item()
        return getattr(self.ops, op)(a, b)

    def neg(self, a):
        return -a if isinstance(a, (int, float)) else self.ops.negative(a)


_NUMPY = _Numpy()


def _eval(node, values, engine):
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values, engine)
        return engine.neg(v) if isinstance(node.op, ast.USub) else v
    if isinstance(node, ast.BinOp):
        return engine.binary(_BINARY[type(node.op)], _eval(node.left, values, engine),
                             _eval(node.right, values, engine))
    if isinstance(node, ast.Call):
        return engine.call(node.func.id, _eval(node.args[0], values, engine))
    raise AssertionError(f"unchecked node {node!r}")  # parse() lets no other node through


_BACKTICK = re.compile(r"`([^`]*)`")


def parse(text: str, columns: Iterable[str]) -> Formula:
    """Check ``text`` against the available ``columns``; a :class:`DataError` says what is wrong."""
    text = str(text).strip()
    columns = [str(c) for c in columns]
    if not text:
        raise DataError("An engineered input is empty.", f"Write a formula such as {_EXAMPLES}.")
    names: dict[str, str] = {}  # placeholder identifier -> column

    def quoted(m):
        key = f"__col{len(names)}"
        names[key] = m.group(1)
        return key

    src = _BACKTICK.sub(quoted, text).replace("^", "**")
    try:
        tree = ast.parse(src, mode="eval").body
    except SyntaxError:
        raise DataError(f"The formula '{text}' is not valid.",
                        f"Write it with column names, numbers, + - * / ^ and functions, e.g. "
                        f"{_EXAMPLES}.") from None
    used: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.expr_context, ast.operator, ast.unaryop)):
            if isinstance(node, ast.operator) and type(node) not in _BINARY:
                raise DataError(f"The formula '{text}' uses an operator a formula cannot use.",
                                "Use + - * / and ^ (or **) only.")
            if isinstance(node, ast.unaryop) and not isinstance(node, (ast.USub, ast.UAdd)):
                raise DataError(f"The formula '{text}' uses an operator a formula cannot use.",
                                "Use + - * / and ^ (or **) only.")
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise DataError(f"The formula '{text}' holds {node.value!r}, which is not a number.",
                                "Formulas compute with numbers and column names only.")
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS and not _is_called(tree, node):
                raise DataError(f"In '{text}', {node.id} is a function: call it, e.g. {node.id}(x).")
            col = names.get(node.id, node.id)
            if _is_called(tree, node):
                continue
            if col not in columns:
                raise DataError(f"The formula '{text}' reads '{col}', which is not a column.",
                                f"Columns are: {', '.join(columns[:20])}. Put a name with spaces "
                                f"in backticks: `class id`.")
            node.id = col  # evaluate against the real column name
            if col not in used:
                used.append(col)
        elif isinstance(node, ast.Call):
            fn = node.func.id if isinstance(node.func, ast.Name) else None
            if fn not in FUNCTIONS:
                raise DataError(f"The formula '{text}' calls '{ast.unparse(node.func)}', which is not "
                                f"a function it can use.", f"Use one of: {', '.join(FUNCTIONS)}.")
            if len(node.args) != 1 or node.keywords:
                raise DataError(f"In '{text}', {fn}() takes exactly one value, e.g. {fn}(x).")
        elif not isinstance(node, (ast.BinOp, ast.UnaryOp)):
            raise DataError(f"The formula '{text}' uses '{ast.unparse(node)}', which a formula "
                            f"cannot hold.", f"Use column names, numbers, + - * / ^ and "
                            f"{', '.join(FUNCTIONS)}, e.g. {_EXAMPLES}.")
    if not used:
        raise DataError(f"The formula '{text}' reads no column, so it is the same for every row.",
                        "Use at least one column, e.g. x^2.")
    return Formula(text, tree, tuple(used))


def _is_called(tree, name_node) -> bool:
    return any(isinstance(n, ast.Call) and n.func is name_node for n in ast.walk(tree))


def is_formula(text: str, columns: Iterable[str]) -> bool:
    """True when ``text`` is not a column name (so it is meant as an engineered input)."""
    return str(text).strip() not in {str(c) for c in columns}


def check_values(formula: Formula, frame) -> None:
    """A :class:`DataError` when the formula gives values that are not finite numbers on rows where
    its columns are (``log(x)`` with x <= 0, ``1/x`` with x = 0, ``exp(x)`` too large)."""
    values = {c: frame[c].to_numpy(dtype=np.float64) for c in formula.columns}
    out = formula.numpy(values)
    given = np.all([np.isfinite(v) for v in values.values()], axis=0)
    bad = np.flatnonzero(given & ~np.isfinite(out))
    if len(bad):
        i = int(bad[0])
        at = ", ".join(f"{c} = {values[c][i]:g}" for c in formula.columns)
        raise DataError(f"The formula '{formula.text}' gives no number in {len(bad):,} rows "
                        f"(row {i + 1}: {at}).",
                        "Change the formula so it is defined for every row (e.g. log(abs(x) + 1) "
                        "instead of log(x)), or remove it.")


def suggestions(numeric: list[str]) -> dict[str, list[str]]:
    """The toggles for numeric inputs: squares, pairwise products, sin and cos, by group."""
    def name(c: str) -> str:
        return c if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", c) else f"`{c}`"

    return {"squares": [f"{name(c)}^2" for c in numeric],
            "products": [f"{name(a)}*{name(b)}" for a, b in combinations(numeric, 2)],
            "sin/cos": [f"{f}({name(c)})" for c in numeric for f in ("sin", "cos")]}


def split_features(entries: Iterable[str], columns: Iterable[str]) -> tuple[list[str], list[str]]:
    """``--features`` entries -> (raw columns, engineered formulas), each checked."""
    columns = [str(c) for c in columns]
    raw, derived = [], []
    for e in (str(e).strip() for e in entries):
        if not e:
            continue
        if e in columns:
            raw.append(e)
        elif re.fullmatch(r"[^-+*/^()`]+", e):  # a plain name: a column that is not there
            raise DataError(f"No column named {e!r}.", f"Columns are: {', '.join(columns[:30])}; "
                            f"engineered inputs are formulas such as {_EXAMPLES}.")
        else:
            parse(e, columns)
            derived.append(e)
    return raw, derived


__all__ = ["FUNCTIONS", "Formula", "check_values", "is_formula", "parse", "split_features", "suggestions"]
