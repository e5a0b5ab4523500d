"""Checks of the data that a score depends on, in plain words (no Qt).

Ways a good test score can be a wrong answer, all found in the prepared splits:

* **a column that alone predicts the target** — on held-out rows, a one-column rule (the training
  rows' majority class, or mean, per value or per narrow range of the column) is right almost every
  time. Sometimes that is the nature of the data; often the column is known only after the outcome
  (a cancellation date for churn, a total that includes the price), and the network learns the
  answer instead of the problem;
* **held-out rows that repeat training rows** — a validation or test row whose inputs, as the
  network sees them, and target are those of a training row shows recall, not generalisation;
* **a class of a few rows** among plentiful ones — hardly learned, and often not in the test rows
  at all, so the test score says nothing about it;
* **a column one-hot encoded into hundreds of inputs** — usually a name, an identifier or a code
  that a big file repeats (surnames in 200,000 customers), not categories to learn from: each value
  seen in a few rows is learnt by heart, and the inputs cost memory and time;
* **values that differ only in capitals, spaces or a final full stop** ('Cat' and 'cat', '>50K' and '>50K.') — one
  thing typed two ways, which the network takes for two classes to tell apart, or two inputs that
  each learn from part of the rows.

A one-column rule is measured on at most ``SAMPLE`` rows of each split (fewer on a table of
hundreds of columns: ``SAMPLE_CELLS``), so a million-row file costs a fraction of a second.
"""
from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nnstudio.core.data.classes import labels as _labels
from nnstudio.core.data.classes import rare_classes, rare_text, scarce_text, unlearned_text
from nnstudio.core.data.extrapolation import beyond_text, beyond_training
from nnstudio.core.data.missing_codes import Looked, codes_of, look
from nnstudio.core.data.roles import repeated_identifier, trend_along
from nnstudio.core.data.spellings import look_alike_groups
from nnstudio.core.model.spec import Task
from nnstudio.core.numbers import and_list

#: A one-column rule this good on held-out rows is a finding: held-out accuracy (classification,
#: also removing most of the majority rule's errors) or R² (regression).
LEAK_SCORE = 0.99
#: Numbers are cut into this many ranges of equal training counts (fewer distinct values: each its own).
BINS = 64
#: Rows of each split a one-column rule is measured on.
SAMPLE = 20_000
#: ... fewer on a wide table, down to MIN_SAMPLE: at most this many cells (rows x columns) of
#: each split are read (a 784-pixel file: 5,100 rows, 0.5 s instead of 1.6 s).
SAMPLE_CELLS = 4_000_000
MIN_SAMPLE = 2_000
#: ... in steps of this many rows, so that ticking one column of a wide table more or less keeps
#: each split's sample, and each column's score is remembered (see :func:`leaks`)
SAMPLE_STEP = 500
#: Training rows held-out rows are compared with (beyond: a sample, and the count says "at least").
REPEAT_SAMPLE = 1_000_000
#: Fewer held-out rows than this say too little about a column.
MIN_HELD_OUT = 30
#: Held-out rows repeating training rows are said from this share on.
REPEAT_SHARE = 0.01
#: ... when most training rows are different: if fewer than this share are (all inputs categories
#: or small counts), new rows repeat them too, and a repeat says nothing about duplicated records.
DISTINCT_SHARE = 0.5
#: A column one-hot encoded into more network inputs than this is said.
WIDE_ONEHOT = 100


@dataclass
class Leak:
    column: str
    score: float  # held-out accuracy (classification) or R² (regression) of the one-column rule
    rows: int  # held-out rows it was measured on
    task: Task

    @property
    def figure(self) -> str:
        return f"R² {self.score:.3f}" if self.task is Task.REGRESSION else f"{self.score:.1%} right"

    def text(self, target: str) -> str:
        return leaks_text([self], target)


def leaks_text(found: list[Leak], target: str) -> str:
    """One paragraph for every column that predicts ``target`` alone (they share what to do)."""
    if not found:
        return ""
    names = [f"'{leak.column}' ({leak.figure})" for leak in found[:4]]
    more = f" and {len(found) - 4} more" if len(found) > 4 else ""
    listed = and_list(names) + more
    one = len(found) == 1
    how = ("explains that share of its variance" if found[0].task is Task.REGRESSION
           else "was right that often")
    return (f"{listed} {'predicts' if one else 'each predict'} '{target}' alone: a rule on that one "
            f"column {how} on the {found[0].rows:,} held-out rows. If a column is known only after "
            f"the outcome, or is computed from it, it leaks the answer and the scores will not hold "
            f"on new data: leave it out of the features (untick Use on the Data tab; --features "
            f"from the command line). If it is a genuine input, the network hardly needs the "
            f"others.")


@dataclass
class Repeats:
    split: str  # "validation" | "test"
    repeated: int
    rows: int
    sampled: bool = False  # compared with a sample of the training rows: at least this many

    @property
    def share(self) -> float:
        return self.repeated / self.rows if self.rows else 0.0

    @property
    def count_text(self) -> str:
        least = "at least " if self.sampled else ""
        return f"{least}{self.repeated:,} of the {self.rows:,} {self.split} rows ({self.share:.0%})"

    def text(self) -> str:
        return repeats_text([self])


def repeats_text(found: list[Repeats]) -> str:
    """One paragraph for the validation and test rows that repeat training rows."""
    if not found:
        return ""
    which = " and ".join(r.count_text for r in found)
    scores = "score shows" if len(found) == 1 else "scores show"
    return (f"{which} repeat a training row exactly, inputs and target: on those the {scores} recall, "
            f"not how the network does on inputs it has not seen. Duplicated records are the usual "
            f"cause; unless new data will repeat these inputs, remove the duplicates from the file.")


def _sample(n: int, most: int | None = None) -> np.ndarray | slice:
    most = SAMPLE if most is None else most
    if n <= most:
        return slice(None)
    return np.random.default_rng(0).choice(n, most, replace=False)


def _keys(train: pd.Series, held: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The cell each value falls in: the value itself (text, numbers with few distinct values, and
    a number that fills a range's worth of rows on its own, such as a 0 for 'none') or one of BINS
    ranges cut at the other training values' quantiles; missing values have a cell too (-1)."""
    numeric = pd.api.types.is_numeric_dtype(train) and not pd.api.types.is_bool_dtype(train)
    counts = train.value_counts() if numeric else None  # (its length: the distinct values)
    if counts is not None and len(counts) > BINS:
        x = train.to_numpy(float)
        heavy = np.sort(counts.index[counts >= len(train) / BINS].to_numpy(float))
        rest = x[~np.isin(x, heavy) & ~np.isnan(x)]
        edges = (np.unique(np.quantile(rest, np.linspace(0, 1, BINS + 1))[1:-1]) if len(rest)
                 else np.array([]))

        def cut(v: pd.Series) -> np.ndarray:
            a = v.to_numpy(float)
            cell = np.searchsorted(edges, a, side="right")
            if len(heavy):
                at = np.minimum(np.searchsorted(heavy, a), len(heavy) - 1)
                cell = np.where(heavy[at] == a, len(edges) + 1 + at, cell)
            return np.where(np.isnan(a), -1, cell)
        return cut(train), cut(held)
    codes = pd.factorize(pd.concat([train, held], ignore_index=True))[0]  # missing: -1
    return codes[:len(train)], codes[len(train):]


class _Target:
    """The sampled rows' target, encoded once for every column's :func:`_rule_score`: numbers
    (regression), or class codes (a held-out class the training rows lack: -1, never answered)."""

    def __init__(self, y_train, y_held, task: Task) -> None:
        self.regression = task is Task.REGRESSION
        if self.regression:
            self.train, self.held = np.asarray(y_train, float), np.asarray(y_held, float)
            self.total = float(np.sum((self.held - self.held.mean()) ** 2))
            return
        classes, self.train = np.unique(y_train, return_inverse=True)
        at = np.minimum(np.searchsorted(classes, y_held), len(classes) - 1)
        self.held = np.where(classes[at] == y_held, at, -1)
        self.classes = len(classes)
        self.majority = int(np.bincount(self.train).argmax())


def _rule_score(k_train, k_held, y: _Target) -> float:
    """How well the training rows' answer per cell predicts the held-out rows."""
    cells = int(max(k_train.max(initial=-1), k_held.max(initial=-1))) + 2  # -1 (missing) at 0
    kt, kh = k_train + 1, k_held + 1
    per_cell = np.bincount(kt, minlength=cells)
    seen = per_cell > 0
    if y.regression:
        sums = np.bincount(kt, weights=y.train, minlength=cells)
        means = np.where(seen, sums / np.maximum(per_cell, 1), y.train.mean())
        return 1.0 - float(np.sum((y.held - means[kh]) ** 2)) / y.total if y.total > 0 else 0.0
    counts = np.bincount(kt * y.classes + y.train, minlength=cells * y.classes)
    answer = np.where(seen, counts.reshape(cells, y.classes).argmax(axis=1), y.majority)
    return float(np.mean(answer[kh] == y.held))


def _held_out(data) -> tuple[pd.DataFrame, np.ndarray]:
    raw = pd.concat([data.raw_val, data.raw_test], ignore_index=True)
    y = np.concatenate([np.asarray(data.y_val), np.asarray(data.y_test)])
    return raw, y


def _digest(*arrays) -> str:
    """A key of these values' bytes (text as text: an object array's bytes are its pointers)."""
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.asarray(a)
        h.update((a.astype(str) if a.dtype == object else np.ascontiguousarray(a)).tobytes() + b"|")
    return h.hexdigest()


def leaks(data, features: list[str], memo: dict | None = None) -> list[Leak]:
    """Columns that alone predict the target on the held-out rows, best first.

    A column's score depends on its values on the sampled rows and on the target there: with
    ``memo`` (the table's, :attr:`Dataset.memo`) and the rows' places in the table
    (``PreparedData.positions``) it is computed once for a split and a sample, not at every change
    of the roles (a 42,000-row pixel file: 1.1 s a change). A column's look-alike values read as
    one ("merge", as its fitted transform records) are other values: another key."""
    task = data.task
    raw_held, y_held = _held_out(data)
    if len(raw_held) < MIN_HELD_OUT or len(data.raw_train) < MIN_HELD_OUT:
        return []
    most = max(MIN_SAMPLE, min(SAMPLE, SAMPLE_CELLS // max(1, len(features))))
    most = max(MIN_SAMPLE, most - most % SAMPLE_STEP)
    tr, he = _sample(len(data.raw_train), most), _sample(len(raw_held), most)
    raw_train = data.raw_train.iloc[tr] if not isinstance(tr, slice) else data.raw_train
    raw_held = raw_held.iloc[he] if not isinstance(he, slice) else raw_held
    y_train = _labels(np.asarray(data.y_train)[tr], task)
    y_held = _labels(y_held[he], task)
    target = _Target(y_train, y_held, task)
    if task is not Task.REGRESSION:
        counts = pd.Series(y_held).value_counts()
        base_error = 1.0 - float(counts.iloc[0]) / len(y_held)
    pos = getattr(data, "positions", {})
    rows = (_digest(task.value, data.preprocessor.target, pos["train"], pos["val"], pos["test"],
                    most, y_train, y_held) if memo is not None and len(pos) == 3 else None)
    spelling = {c.name: c.spelling for c in data.preprocessor.columns}
    out = []
    for col in features:
        if col not in raw_train.columns:
            continue  # an engineered input (playground): computed from the columns checked
        key = ("leak", col, spelling.get(col), rows)
        score = memo.get(key) if rows is not None else None
        if score is None:
            k_train, k_held = _keys(raw_train[col].reset_index(drop=True),
                                    raw_held[col].reset_index(drop=True))
            score = _rule_score(k_train, k_held, target)
            if rows is not None:
                memo[key] = score
        if score < LEAK_SCORE:
            continue
        if task is not Task.REGRESSION and 1.0 - score > 0.2 * base_error:
            continue  # no better than saying the common class: imbalance, not a leak
        out.append(Leak(col, score, len(y_held), task))
    return sorted(out, key=lambda leak: -leak.score)


class _TrainRows:
    """The training rows, indexed once to find repeats: each row is projected on one random
    direction (a matrix product, fast on a million rows) and the projections sorted; rows whose
    projections match are compared in full."""

    def __init__(self, train: np.ndarray) -> None:
        self.train = np.asarray(train)
        self.w = np.random.default_rng(0).normal(size=self.train.shape[1]).astype(self.train.dtype)
        h = self.train @ self.w
        self.order = np.argsort(h)
        self.sorted = h[self.order]

    def distinct(self) -> int:
        """How many different input rows the training rows hold (by their projections)."""
        return int(np.count_nonzero(np.diff(self.sorted))) + 1 if len(self.sorted) else 0

    def repeated(self, x: np.ndarray) -> int:
        """How many rows of ``x`` equal a training row."""
        x = np.asarray(x)
        hx = x @ self.w
        at = np.minimum(np.searchsorted(self.sorted, hx), len(self.sorted) - 1)
        candidate = self.sorted[at] == hx
        match = candidate.copy()
        match[candidate] = np.all(self.train[self.order[at[candidate]]] == x[candidate], axis=1)
        return int(match.sum())


def _complete(data, raw: pd.DataFrame, n: int) -> np.ndarray:
    """Which of a split's rows have every input column's value (no value filled in)."""
    cols = [c.name for c in data.preprocessor.columns if c.name in raw.columns]
    if len(raw) != n or not cols:
        return np.ones(n, bool)
    return ~raw[cols].isna().any(axis=1).to_numpy()


def _records(data, x, y, raw: pd.DataFrame) -> np.ndarray:
    """A split's complete rows (:func:`_complete`) as records: their encoded inputs and target."""
    x = np.asarray(x)
    keep = _complete(data, raw, len(x))
    return np.column_stack([x, _labels(y, data.task).astype(x.dtype)])[keep]


def repeats(data) -> list[Repeats]:
    """Validation and test rows that repeat a training row, inputs and target (from REPEAT_SHARE
    on): records twice, on which a score shows recall. Inputs alone are not enough: prices of
    two houses alike on paper differ, and a network cannot have learned one from the other.
    Rows with a filled-in value are left out on both sides: rows missing the same values are
    filled alike (the training median) and share their inputs without being records twice."""
    if len(data.X_train) == 0 or data.X_train.ndim != 2:
        return []
    x_train = _records(data, data.X_train, data.y_train, data.raw_train)
    sampled = len(x_train) > REPEAT_SAMPLE
    train = _TrainRows(x_train[_sample(len(x_train), REPEAT_SAMPLE)])
    # few input combinations (all categories, small counts, a flag alone): new rows repeat them
    # too, and a target of a few values, or of numbers written to the cent, meets itself again
    # (the inputs alone are counted: with a number target every record differs)
    if _TrainRows(train.train[:, :-1]).distinct() < DISTINCT_SHARE * len(train.train):
        return []
    out = []
    for split, x, y, raw in (("validation", data.X_val, data.y_val, data.raw_val),
                             ("test", data.X_test, data.y_test, data.raw_test)):
        if len(x) == 0:
            continue
        found = Repeats(split, train.repeated(_records(data, x, y, raw)), len(x), sampled=sampled)
        if found.repeated and found.share >= REPEAT_SHARE:
            out.append(found)
    return out


def wide_categories(data) -> list[tuple[str, int]]:
    """(column, network inputs) of the columns one-hot encoded into more than WIDE_ONEHOT inputs,
    widest first."""
    wide = [(c.name, len(c.categories)) for c in data.preprocessor.columns
            if c.encoded and c.kind == "categorical" and c.encoding == "onehot"
            and len(c.categories) > WIDE_ONEHOT]
    return sorted(wide, key=lambda w: -w[1])


def wide_text(found: list[tuple[str, int]], n_inputs: int, train_rows: int) -> str:
    if not found:
        return ""
    listed = "; ".join(f"'{col}' makes {k:,} of them (a value every {max(train_rows // k, 1):,} "
                       f"training rows on average)" for col, k in found[:3])
    more = f"; and {len(found) - 3} more columns" if len(found) > 3 else ""
    return (f"One-hot encoding gives the network {n_inputs:,} inputs: {listed}{more}. So many values "
            f"are usually a name, an identifier or a code rather than categories to learn from; values "
            f"seen in few rows are learnt by heart, and every input costs memory and time. Leave the "
            f"column out if it names or numbers things (untick Use on the Data tab; --features from "
            f"the command line); if its values matter, group the rare ones into fewer categories in "
            f"the file.")


def look_alikes(data) -> list[tuple[str, list[list[str]]]]:
    """(column, groups of its values that differ only in capitals, spaces or a final full stop), the target first,
    then the category inputs in their order."""
    pre = data.preprocessor
    found = []
    if data.task is not Task.REGRESSION:
        found.append((pre.target, look_alike_groups(pre.classes or [])))
    found += [(c.name, look_alike_groups(c.categories)) for c in pre.columns
              if c.encoded and c.kind in ("categorical", "binary")]
    return [(col, groups) for col, groups in found if groups]


def _pairs_text(groups: list[list[str]]) -> str:
    return ", ".join(" and ".join(f"'{v}'" for v in g) for g in groups[:3]) + (
        f" and {len(groups) - 3} more" if len(groups) > 3 else "")


def look_alike_text(found: list[tuple[str, list[list[str]]]]) -> str:
    if not found:
        return ""
    listed = "; ".join(f"'{col}' has {_pairs_text(groups)}" for col, groups in found[:5])
    more = f"; and {len(found) - 5} more columns" if len(found) > 5 else ""
    return (f"Values that differ only in capitals, spaces or a final full stop are different to the "
            f"network: {listed}"
            f"{more}. If they mean the same, have them read as one (Read them as one, on the Data "
            f"tab; --merge-spellings from the command line), or write them one way in the file.")


#: Below this many rows in all, a file with no test rows is called too small to hold any out.
SMALL_FILE_ROWS = 20


def no_test_text(data) -> str:
    """"No test rows: …" when the test split is empty (a tiny file, or Test at 0 %); else ""."""
    if len(data.X_test):
        return ""
    n_train, n_val = len(data.X_train), len(data.X_val)
    small = n_train + n_val < SMALL_FILE_ROWS
    return (f"No test rows: every score is measured on rows the network trained on "
            f"({n_train:,} training, {n_val:,} validation), which says nothing about new data. "
            f"Hold rows out: Test above 0 % on the Data tab (--test from the command line)"
            + ("; a file this small needs more rows first, as the split rounds its few away."
               if small else "."))


def _in_order(values) -> bool:
    """Numbers that never go down the file, and go up (20 at least)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna().to_numpy()
    return len(v) >= 20 and v[-1] > v[0] and bool(np.all(np.diff(v) >= 0))


def time_order_text(project) -> str:
    """"The rows are in the order of their dates …" when a column of dates (read with its parts),
    or of years, runs in order down the file while the split takes rows at random; else ""."""
    if project.split.order != "random" or not len(project.dataset.frame):
        return ""
    frame = project.dataset.frame
    found = [(col, "dates") for col, f in project.dataset.date_parts.items()
             if set(f["parts"][:2]) <= set(frame.columns)
             and _in_order(frame[f["parts"][0]] * 12 + frame[f["parts"][1]])]
    found += [(col, "years") for col in frame.columns
              if str(col).strip().lower() in ("year", "yr", "fiscal year", "season")
              and pd.api.types.is_numeric_dtype(frame[col]) and _in_order(frame[col])]
    # a row number the target rises or falls along (roles said so when it left it out)
    found += [(col, way) for col, why in project.roles.ignored.items()
              if (way := trend_along(why, project.roles.target))]
    if not found:
        return ""
    col, what = found[0]
    order = (f"of '{col}', which '{project.roles.target}' {what} along" if what in ("rises", "falls")
             else f"of their {what} ('{col}')")
    return (f"The rows are in the order {order}: a random split trains on later "
            f"rows to predict earlier ones, which flatters a forecast. To measure one, hold out the "
            f"last rows (Hold out: the last rows, on the Data tab; --split-order last from the "
            f"command line).")


def group_columns(project) -> list[str]:
    """The columns that can name groups of rows held out whole: repeated identifiers (a
    patient's ID over their visits) first, then the others but the target."""
    cols = [str(c) for c in project.dataset.columns if str(c) != project.roles.target]
    ids = [c for c in cols if repeated_identifier(c, project.dataset.profile(c))]
    return ids + [c for c in cols if c not in ids]


def mixed_groups(data, project) -> tuple[str, str]:
    """(column, "Rows come in groups of 'patient_id' …") when a repeated identifier's values (a
    patient's visits) have rows both in training and held out (test, else validation rows); else
    ("", "")."""
    if project.split.order != "random":
        return "", ""
    held = data.raw_test if len(data.raw_test) else data.raw_val
    for col in data.raw_train.columns:
        if col == project.roles.target or col not in held.columns:
            continue
        if not repeated_identifier(col, project.dataset.profile(col)):
            continue
        values = set(held[col].dropna())
        shared = len(values & set(data.raw_train[col].dropna()))
        if not shared:
            continue
        split = "test" if len(data.raw_test) else "validation"
        return col, (f"Rows come in groups of '{col}': {shared:,} of the {len(values):,} {col} values "
                     f"of the {split} rows have rows in training too, so the {split} score is "
                     f"measured on {col}s the network has seen rows of: if new data brings new "
                     f"ones, it flatters. To measure that, hold out whole groups (Hold out: whole "
                     f"groups of {col}, on the Data tab; --split-by {shlex.quote(col)} from the command line).")
    return "", ""


@dataclass
class Findings:
    notes: list[str]  # every finding in plain words
    columns: dict[str, str]  # column -> what was found about it (for the Data tab's table)
    groups: str = ""  # the column whose groups the random split mixes (hold out whole ones)
    #: numbers to read as missing in a click: codes for a missing value (-999), typos far beyond
    #: the other values
    codes: list[str] = field(default_factory=list)
    #: values to read as missing in their own column alone in a click: a 0 no other value of a
    #: column of measures comes near (a blood pressure of 0), a lone -1 (an age of -1)
    own: dict[str, list[str]] = field(default_factory=dict)


def check(data, project) -> Findings:
    """Every finding about ``project``'s prepared ``data``. Columns that predict alone are looked
    for in files only: in the built-in and generated data they are by design (the perceptron's
    two blobs are apart along either axis)."""
    target = project.roles.target
    from_file = project.dataset.csv_options is not None
    key = ("checks", target, tuple(project.roles.features), from_file, project.split.order,
           project.split.group)
    if key in data.memo:  # the Data tab, Train and the report ask of the same prepared data
        return data.memo[key]
    found = leaks(data, project.roles.features, project.dataset.memo) if from_file else []
    wide = wide_categories(data)
    alike = look_alikes(data)
    # -999, typos, a blood pressure of 0: in a file's whole table (the built-in ones hold none)
    looked = look(project.dataset.frame, [*project.roles.features, target], target,
                  memo=project.dataset.memo) if from_file else Looked([], [], [], [])
    lines = [*looked.notes, leaks_text(found, target), rare_text(rare_classes(data), target, len(data.X_test)),
             unlearned_text(data, target), scarce_text(data, target),
             repeats_text(repeats(data)), wide_text(wide, data.n_inputs, len(data.X_train)),
             # (the built-in OR table trains and scores on its four rows, by design)
             no_test_text(data) if from_file else "", look_alike_text(alike),
             time_order_text(project)]
    held, beyond = beyond_training(data)
    lines.append(beyond_text(held, beyond))
    grouped_by, mixed = mixed_groups(data, project)
    columns = {col: f"{_pairs_text(groups)}: the same?" for col, groups in alike}
    columns.update({col: f"{k:,} one-hot inputs: a name or a code?" for col, k in wide})
    columns.update({leak.column: f"predicts '{target}' alone ({leak.figure}): a leak?" for leak in found})
    columns.update({c.column: f"{c.code} in {c.rows:,} rows: a code for 'not known'?" for c in looked.codes})
    columns.update({f.column: "values far beyond the others: typos?" for f in looked.far})
    columns.update({z.column: f"0 in {z.rows:,} rows: 'not measured'?" if z.code == "0" else
                    f"{z.code} in {z.rows:,} rows: a code for 'not known'?" for z in looked.own})
    columns.update({b.column: f"{held} rows beyond its training range: extrapolated" for b in beyond})
    if grouped_by:
        columns[grouped_by] = "names groups of rows: hold out whole ones?"
    data.memo[key] = Findings([line for line in [*lines, mixed] if line], columns, grouped_by,
                              codes_of([*looked.codes, *looked.far]), {z.column: [z.code] for z in looked.own})
    return data.memo[key]


def notes(data, project) -> list[str]:
    """Every finding about ``project``'s prepared ``data`` in plain words (empty: nothing to say)."""
    return check(data, project).notes
