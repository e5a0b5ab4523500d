"""Checks of the target's classes, in plain words (no Qt): a class of a few rows among plentiful
ones (hardly learned, often not in the test rows at all), a class the training rows never hold, and
a class rare enough that accuracy barely counts it. Part of :mod:`nnstudio.core.data.checks`."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnstudio.core.model.spec import Task
from nnstudio.core.numbers import and_list

#: A class with fewer rows than this in the whole table can hardly be learned or tested.
MIN_CLASS_ROWS = 10
#: A class with a smaller share of all the rows than this (and than half an even share) is said to
#: be rare before training: accuracy barely counts its rows.
RARE_CLASS_SHARE = 0.10


def labels(y: np.ndarray, task: Task) -> np.ndarray:
    """A split's targets as one label (class code or value) per row (one-hot rows: their class)."""
    y = np.asarray(y)
    if task is not Task.REGRESSION and y.ndim == 2:  # one-hot
        return y.argmax(axis=1)
    return y.reshape(len(y), -1)[:, 0] if y.ndim == 2 else y


@dataclass
class RareClass:
    label: str
    train: int
    held_out: int  # validation + test rows
    test: int

    @property
    def rows(self) -> int:
        """All its rows, training and held out."""
        return self.train + self.held_out


def _classes(data) -> list[RareClass]:
    """Each class's rows per split, in a table where some class is plentiful (none otherwise: a
    table of a few rows, OR's truth table or a few drawn points, is small by design)."""
    if data.task is Task.REGRESSION:
        return []
    classes = list(data.preprocessor.classes or [])
    k = len(classes)
    counts = {s: np.bincount(labels(np.asarray(y), data.task).astype(int), minlength=k)[:k]
              for s, y in (("train", data.y_train), ("val", data.y_val), ("test", data.y_test))}
    total = counts["train"] + counts["val"] + counts["test"]
    if not k or total.max() < 5 * MIN_CLASS_ROWS:
        return []
    return [RareClass(str(c), int(counts["train"][i]), int(counts["val"][i] + counts["test"][i]),
                      int(counts["test"][i])) for i, c in enumerate(classes)]


def rare_classes(data) -> list[RareClass]:
    """Classes with fewer than MIN_CLASS_ROWS rows in all the splits together, rarest first, in a
    table where other classes are plentiful."""
    out = [r for r in _classes(data) if r.rows < MIN_CLASS_ROWS]
    return sorted(out, key=lambda r: r.rows)


def unlearned_text(data, target: str) -> str:
    """"A class of 'label' has no training rows: 'c' (62 test rows) …" for classes of held-out
    rows only (not rare ones: rare_text says those), where the split order explains it."""
    found = [r for r in _classes(data) if not r.train and r.held_out
             and r.rows >= MIN_CLASS_ROWS]
    if not found:
        return ""
    listed = and_list([f"'{r.label}' ({r.test:,} test" + (f", {r.held_out - r.test:,} validation"
                       if r.held_out > r.test else "") + f" row{'s' if r.held_out != 1 else ''})"
                       for r in found[:5]])
    what = f"{len(found)} classes of '{target}' have" if len(found) > 1 else f"A class of '{target}' has"
    them = "them" if len(found) > 1 else "it"
    text = (f"{what} no training rows: {listed}, so the network cannot learn {them} and answers "
            f"each of {'their' if len(found) > 1 else 'its'} rows with another class: the score "
            f"counts them all wrong.")
    if data.split_order == "last":
        return text + (" With the last rows held out, a class that appears only late in the file is "
                       "not among the earlier rows the network learns from: hold out rows at random "
                       "(stratified) if the class is not new, or train on rows that hold it.")
    if data.split_order == "group":
        return text + (f" With {data.held_out} held out, every group that holds it went to the "
                       f"held-out rows: try another split seed, or train on rows that hold it.")
    return text + " Train on rows that hold it."


def rare_line(k: int) -> float:
    """The share under which one of ``k`` classes is rare: RARE_CLASS_SHARE, or half an even share."""
    return min(RARE_CLASS_SHARE, 0.5 / max(k, 1))


def most_frequent(labels) -> tuple[object, float]:
    """The most frequent value of ``labels`` and its share of them (None, 0.0: no labels)."""
    values, counts = np.unique(np.asarray(labels).astype(str), return_counts=True)
    if not len(counts):
        return None, 0.0
    i = int(np.argmax(counts))
    return values[i], float(counts[i] / counts.sum())


def scarce_text(data, target: str) -> str:
    """"'yes' is 3.2 % of the rows of 'fraud' …": classes rare enough that accuracy says little,
    said before training (not those too few to learn at all: rare_text says those)."""
    found = _classes(data)
    total = sum(r.rows for r in found)
    if not total:
        return ""
    share = {r.label: r.rows / total for r in found}
    # rare beside the others: ten digits at 10 % each are not (half an even share, at most 10 %)
    line = rare_line(len(found))
    rare = sorted((r for r in found if MIN_CLASS_ROWS <= r.rows
                   and share[r.label] < line), key=lambda r: share[r.label])
    if not rare:
        return ""
    major = max(found, key=lambda r: r.rows)
    listed = and_list([f"'{r.label}' is {share[r.label]:.1%}".replace("%", " %") for r in rare[:3]])
    counts = (f"{rare[0].rows:,} of {total:,}" if len(rare) == 1 else
              f"{sum(r.rows for r in rare):,} of {total:,} together")
    if len(found) == 2:
        why = f"always answering '{major.label}' scores {share[major.label]:.3f}, so accuracy says little here"
    else:
        one = len(rare) == 1
        why = (f"accuracy barely counts {'its' if one else 'their'} rows (a network that never answers "
               f"{'it' if one else 'them'} loses at most {sum(share[r.label] for r in rare):.3f})")
    return (f"{listed} of the rows of '{target}' ({counts}): {why}. Judge the network by each "
            f"class's recall and balanced accuracy (Evaluation) too; balanced class weights "
            f"(Training settings; --class-weight balanced from the command line) make it weigh "
            f"the rare class" + ("es." if len(rare) > 1 else "."))


def rare_text(found: list[RareClass], target: str, test_rows: int) -> str:
    if not found:
        return ""
    listed = ", ".join(f"'{r.label}' ({r.rows} row{'s' if r.rows != 1 else ''}"
                       f", {r.train} for training)" for r in found[:5])
    more = f" and {len(found) - 5} more" if len(found) > 5 else ""
    untested = [r for r in found if r.test == 0]
    what = (f"{len(found)} classes of '{target}' have" if len(found) > 1
            else f"A class of '{target}' has")
    text = f"{what} too few rows to learn or to test: {listed}{more}."
    if untested and test_rows:
        text += (" The test rows hold none of " + ("them" if len(untested) == len(found) else
                                                    ", ".join(f"'{r.label}'" for r in untested))
                 + ", so the test score says nothing about how they are predicted.")
    return text + " Merge them into a larger class, or remove their rows from the file."
