"""What changed between two runs, in plain words:
"Dropout 0.2 after layer 1 added; learning rate 0.001 -> 0.01"."""
from __future__ import annotations

import difflib

from nnstudio.core.experiments.record import RunRecord, reading
from nnstudio.core.model.spec import LayerSpec, Task

#: Training settings in the words the app uses for them (the rest are shown by their key).
SETTING_WORDS = {"learning_rate": "learning rate", "batch_size": "batch size",
                 "batch_mode": "batch mode", "early_stopping": "early stopping",
                 "restore_best": "restore best weights", "jit_compile": "XLA compile"}


def _layers(r: RunRecord):
    spec = r.spec or {}
    hidden = [LayerSpec(**d) for d in spec.get("hidden", [])]
    out = spec.get("output")
    return hidden, (LayerSpec(**out) if out else None)


def _v(x) -> str:
    if isinstance(x, bool):
        return "on" if x else "off"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def network_changes(a: RunRecord, b: RunRecord) -> list[str]:
    """Changes to the hidden layers and output layer from run ``a`` to run ``b``."""
    ha, oa = _layers(a)
    hb, ob = _layers(b)
    ca, cb = [l.compact() for l in ha], [l.compact() for l in hb]
    out: list[str] = []
    sm = difflib.SequenceMatcher(a=ca, b=cb, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                out.append(f"layer {j1 + k + 1}: {ha[i1 + k].describe()} -> "
                           f"{hb[j1 + k].describe()}")
            continue
        if op in ("delete", "replace"):
            for k in range(i1, i2):
                out.append(f"{ha[k].describe()} (layer {k + 1}) removed")
        if op in ("insert", "replace"):
            for k in range(j1, j2):
                where = f"after layer {k}" if k > 0 else "as layer 1"
                out.append(f"{hb[k].describe()} {where} added")
    if (oa.compact() if oa else None) != (ob.compact() if ob else None):
        da = oa.describe() if oa else "from the task"
        db = ob.describe() if ob else "from the task"
        out.append(f"output layer {da} -> {db}")
    return out


def settings_changes(a: RunRecord, b: RunRecord, include_seed: bool = True) -> list[str]:
    sa, sb = a.settings or {}, b.settings or {}
    out = []
    for k in list(sa) + [k for k in sb if k not in sa]:
        if k == "seed" and not include_seed:
            continue
        if a.setting(k) != b.setting(k):
            out.append(f"{SETTING_WORDS.get(k, k.replace('_', ' '))} {_v(a.setting(k))} -> "
                       f"{_v(b.setting(k))}")
    return out


#: a file's reading options in plain words (core.data.csv_options)
READ_WORDS = {"na_values": "also missing", "missing_in": "missing in a column",
              "missing_markers": "'?', 'NA' … in numbers as missing",
              "formatted_numbers": "'$1,234', '12%' as numbers", "na_in_text": "'NA', 'None' in text as missing",
              "date_parts": "dates' year, month, weekday", "minutes_seconds": "times as minutes:seconds in"}


def _read_value(v) -> str:
    if isinstance(v, bool):
        return "on" if v else "off"
    if isinstance(v, list):
        return ", ".join(repr(x) for x in v) or "none"
    if isinstance(v, dict):  # missing_in: {column: values}
        return "; ".join(f"{c}: {_read_value(x)}" for c, x in v.items()) or "none"
    return str(v)


def read_changes(a: dict, b: dict) -> list[str]:
    """How two readings of a file differ: "also missing: none -> '-999'" (a record from before
    a column's own missing values read none)."""
    a, b = reading(a), reading(b)
    return [f"{READ_WORDS.get(k, k)}: {_read_value(a.get(k))} -> {_read_value(b.get(k))}"
            for k in [*a, *(k for k in b if k not in a)] if a.get(k) != b.get(k)]


def data_changes(a: RunRecord, b: RunRecord) -> list[str]:
    out = []
    da, db = a.data or {}, b.data or {}
    if (da.get("name"), da.get("fingerprint")) != (db.get("name"), db.get("fingerprint")):
        if da.get("name") == db.get("name"):
            out.append(f"the data {da.get('name')} changed (another fingerprint)")
        else:
            out.append(f"data {da.get('name')} -> {db.get('name')}")
    ra, rb = da.get("read"), db.get("read")
    read = read_changes(ra, rb) if ra is not None and rb is not None else []
    if read:
        out.append(f"the file read another way ({', '.join(read)})")
    if a.target and b.target and a.target != b.target:
        out.append(f"target {a.target} -> {b.target}")
    if a.task and b.task and a.task != b.task:
        out.append(f"task {task_words(a.task)} -> {task_words(b.task)}")
    if a.features != b.features:
        out.append("the feature columns differ")
    if a.preprocess != b.preprocess:
        out.append("preprocessing differs")
    if a.split != b.split:
        if {k: v for k, v in a.split.items() if k != "fold"} == {k: v for k, v in b.split.items() if k != "fold"}:
            out.append(f"the fold held out: {a.split.get('fold')} -> {b.split.get('fold')} of "
                       f"{a.split.get('folds')}")
            return out
        if ("folds" in a.split) != ("folds" in b.split):
            out.append(f"the rows trained on: {_rows_of(a.split)} -> {_rows_of(b.split)}")
            return out
        changed = [k for k in ("test", "val", "order", "seed", "stratify", "folds")
                   if k in a.split and k in b.split and _said(a.split, k) != _said(b.split, k)]
        named = {"test": "test", "val": "validation", "order": "rows held out", "seed": "split seed",
                 "stratify": "stratify", "folds": "cross-validation folds"}
        parts = [f"{named[k]}: {_said(a.split, k)} -> {_said(b.split, k)}" for k in changed]
        out.append("the train/validation/test split differs" + (f" ({', '.join(parts)})" if parts else ""))
    return out


def _rows_of(split: dict) -> str:
    """Which rows a run trained on, in words: a cross-validation's fold, or the split's."""
    if "folds" in split:
        return f"the rows outside fold {split.get('fold')} of {split['folds']}"
    return "the split's training rows"


def task_words(task: str) -> str:
    """A record's task ("multiclass") as the app says it ("multi-class classification")."""
    try:
        return Task(task).label
    except ValueError:
        return task


def _said(split: dict, key: str):
    """A split setting as the diff says it (which rows are held out in words)."""
    if key != "order":
        return split[key]
    if split[key] == "group":
        return f"whole groups of {split.get('group')}"
    return {"random": "random", "last": "the last rows"}.get(split[key], split[key])


def describe_diff(a: RunRecord, b: RunRecord, include_seed: bool = True) -> str:
    """Everything that differs from run ``a`` to run ``b``, as one line ("no differences")."""
    parts = network_changes(a, b) + settings_changes(a, b, include_seed) + data_changes(a, b)
    if not parts:
        return "no differences"
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def varying_settings(runs: list[RunRecord]) -> list[str]:
    """The settings keys whose values differ among ``runs`` (the runs table shows these)."""
    keys: list[str] = []
    for r in runs:
        for k in r.settings:
            if k not in keys:
                keys.append(k)
    return [k for k in keys if len({repr(r.setting(k)) for r in runs}) > 1]
