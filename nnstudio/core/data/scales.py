"""The order of a column's categories: a scale's own order where the values are one.

Ordinal codes give categories the numbers 0, 1, 2 … in order. Sorted by their spelling, a survey's
answers are "Agree, Disagree, Neutral, Strongly agree, Strongly disagree" (0..4), which tells a
network that "Strongly agree" lies between "Neutral" and "Strongly disagree": the codes are
numbers that mean nothing. Values that are all steps of a known scale (agreement, frequency,
quality, level, size, weekdays, months) keep the scale's order; values that each hold a number
(age bands "18-24", "25-34", "65+", "<18"; "$25k-$50k") are ordered by it. Anything else is
sorted as before (numbers by value, text by spelling), which :func:`category_order` gives for one-hot
columns too: their order changes no number the network sees.
"""
from __future__ import annotations

import re

#: Known ordered scales, lowest first; each step lists the spellings (lower case) that mean it.
SCALES: tuple[tuple[tuple[str, ...], ...], ...] = (
    (("strongly disagree", "completely disagree", "totally disagree"), ("disagree",),
     ("somewhat disagree", "slightly disagree", "mildly disagree", "tend to disagree"),
     ("neutral", "neither agree nor disagree", "neither", "undecided", "not sure", "unsure"),
     ("somewhat agree", "slightly agree", "mildly agree", "tend to agree"), ("agree",),
     ("strongly agree", "completely agree", "totally agree")),
    (("very dissatisfied",), ("dissatisfied",), ("somewhat dissatisfied",),
     ("neutral", "neither satisfied nor dissatisfied"), ("somewhat satisfied",), ("satisfied",),
     ("very satisfied",)),
    (("very unlikely",), ("unlikely",), ("somewhat unlikely",),
     ("neutral", "neither likely nor unlikely", "not sure", "unsure"), ("somewhat likely",),
     ("likely",), ("very likely",)),
    (("never",), ("rarely", "seldom"), ("sometimes", "occasionally"), ("often", "frequently"),
     ("very often", "usually", "most of the time"), ("always",)),
    (("very poor", "terrible", "awful"), ("poor", "bad"), ("fair", "average", "ok", "okay"),
     ("good",), ("very good", "great"), ("excellent", "outstanding")),
    (("very low", "lowest"), ("low",), ("medium", "moderate", "mid", "average", "normal"),
     ("high",), ("very high", "highest")),
    (("not important", "not at all important", "unimportant"), ("slightly important",),
     ("moderately important", "somewhat important"), ("important",), ("very important",),
     ("extremely important",)),
    (("very easy",), ("easy",), ("neutral", "moderate", "medium"), ("difficult", "hard"),
     ("very difficult", "very hard")),
    (("xxs",), ("xs", "extra small"), ("s", "small"), ("m", "medium"), ("l", "large"),
     ("xl", "extra large", "x-large"), ("xxl", "2xl"), ("xxxl", "3xl")),
    (("no",), ("maybe", "partly", "partially"), ("yes",)),
    (("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"),
     ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"),
     ("sun", "sunday")),
    tuple((m[:3], m) for m in ("january", "february", "march", "april", "may", "june", "july",
                               "august", "september", "october", "november", "december")),
)
_STEP = [{spelling: i for i, step in enumerate(scale) for spelling in step} for scale in SCALES]
_NUMBER = re.compile(r"(?P<less><|≤|under |below |less than |up to )?\s*[$€£]?"
                     r"(?:(?P<grouped>\d{1,3}(?:,\d{3})+(?:\.\d+)?)|(?P<n>\d+(?:[.,]\d+)?))"
                     r"\s*(?P<k>[km](?![a-z]))?")


def _said(value) -> str:
    return " ".join(str(value).lower().split())


def scale_order(values: list) -> list | None:
    """``values`` (text, each once) in the order of the first known scale that has every one of
    them, or of the number each holds (bands); None when they are neither (or fewer than 3)."""
    if len(values) < 3 or not all(isinstance(v, str) for v in values):
        return None
    said = [_said(v) for v in values]
    for step in _STEP:
        if all(s in step for s in said):
            return [v for _, v in sorted(zip((step[s] for s in said), values))]
    keys = []
    for s, v in zip(said, values):
        m = _NUMBER.search(s)
        if m is None:
            return None
        n = float(m["grouped"].replace(",", "") if m["grouped"] else m["n"].replace(",", "."))
        n *= {"k": 1e3, "m": 1e6}.get(m["k"] or "", 1)
        keys.append((n, 0 if m["less"] else 1, s, v))
    return [k[-1] for k in sorted(keys)]


def plain_order(values) -> list:
    """Numbers by value and text by spelling (each kind together): the order of categories that
    are no scale."""
    return sorted(values, key=lambda x: (str(type(x)), x))


def category_order(values, encoding: str) -> list:
    """A column's categories (its distinct training values) in the order their codes follow:
    a scale's own (:func:`scale_order`) for ordinal codes, else :func:`plain_order`."""
    values = list(values)
    ordered = scale_order(values) if encoding == "ordinal" else None
    return ordered if ordered is not None else plain_order(values)


def class_order(classes: list) -> list:
    """A target's classes, sorted, in the order the network's are: a scale's answers (three or
    more) in the scale's order, else as given."""
    return scale_order(classes) or classes


def shown_scale(top: list, unique: int) -> list | None:
    """A column's values in a scale's order when its profile's most frequent values (``top``:
    (value, count) pairs) are all of them; else None."""
    values = [v for v, _ in top]
    return scale_order(values) if len(values) == unique else None
