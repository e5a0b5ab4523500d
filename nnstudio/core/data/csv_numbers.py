"""Numbers written for people: currency signs and codes, thousands separators, percent signs,
accounting negatives ("$63,248", "13.6%", "1.234,50 €", "(1,200)", "USD 1,234.50", "1.234,56-"),
one unit in every row ("92 kg", "3 GB": numbers of that unit; units that differ are said, and kept
as text), and times as minutes ("14:30" is 870, "1:05:32" is 65.53).

pandas reads such a column as text, and the app would then ignore a column of money as "free text".
:func:`read_formatted_numbers` reads a text column as numbers when *every* value is a number written
that way (or a marker of a missing value, where those are read as missing), and says so: the
column, an example as written and what was dropped. A value that is anything else leaves the column
as it was, so nothing is guessed: "12,5" in a decimal-point file, a phone number or a date stay text.
"""
from __future__ import annotations

import re

import pandas as pd

from nnstudio.core.data.csv_dates import MONTHS, WEEKDAYS
from nnstudio.core.data.csv_missing import is_marker, marker_counts, number_column
from nnstudio.core.data.profile import is_text_dtype
from nnstudio.core.numbers import and_list

CURRENCY = "$€£¥₹"
_SIGNS = f"[{CURRENCY}%]"
MINUS = "\u2212"  # '−', the minus sign of typeset text (web pages, word processors)
#: apostrophes grouping thousands, as Swiss exports write them ("1'234.50")
_APOSTROPHES = "'\u2019"
#: ISO codes of currencies, as bank and ERP exports write them ("USD 1,234.50", "1.234,56 EUR")
CURRENCY_CODES = ("USD", "EUR", "GBP", "CHF", "JPY", "CNY", "RMB", "INR", "CAD", "AUD", "NZD", "SEK",
                  "NOK", "DKK", "PLN", "CZK", "HUF", "BRL", "MXN", "ZAR", "HKD", "SGD", "KRW", "TRY")
CURRENCY_CODE = rf"\b(?:{'|'.join(CURRENCY_CODES)})\b"  # one of them, as a word
#: a value with none of these is no formatted number (a last '-': SAP's negative '1.234,56-')
_FORMATTING = f"[{CURRENCY}%,(){MINUS}{_APOSTROPHES}]|{CURRENCY_CODE}|\\d-$|\\d[ \u00a0\u202f]\\d{{3}}"
#: what :func:`_parse` found that it read rather than dropped
_MINUS_READ = "typographic minus signs"
_TRAILING_READ = "trailing minus signs"
#: what groups thousands beside each decimal mark: the other mark, a (no-break) space, an apostrophe
THOUSANDS = {".": f"[,\u00a0\u202f {_APOSTROPHES}]", ",": f"[.\u00a0\u202f {_APOSTROPHES}]"}
_NUMBER = {mark: rf"[-+]?(?:\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:\{mark}\d+)?"
           for mark, group in THOUSANDS.items()}


def _parse(text: pd.Series, decimal: str) -> tuple[pd.Series, set[str]]:
    """Numbers (NaN where a value is not one) and what was dropped to read them."""
    found: set[str] = set()
    for sign in text.str.extract(f"({_SIGNS})", expand=False).dropna().unique():
        found.add("percent signs" if sign == "%" else f"the currency sign {sign}")
    for code in text.str.extract(f"({CURRENCY_CODE})", expand=False).dropna().unique():
        found.add(f"the currency code {code}")
    t = text.str.replace(rf"\s*(?:{_SIGNS}|{CURRENCY_CODE})\s*", "", regex=True).str.strip()
    trailing = t.str.fullmatch(r"[^-]*\d-")  # SAP's negative amounts: '1.234,56-'
    if bool(trailing.any()):
        found.add(_TRAILING_READ)
        t = t.where(~trailing, "-" + t.str[:-1])
    if bool(t.str.contains(MINUS, regex=False).any()):
        found.add(_MINUS_READ)
        t = t.str.replace(MINUS, "-", regex=False)
    negative = t.str.fullmatch(r"\(.*\)")  # (3,50) €: the sign goes first
    t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True).str.strip()
    ok = t.str.fullmatch(_NUMBER[decimal])
    grouped = t.str.contains(rf"\d{THOUSANDS[decimal]}\d{{3}}")
    if bool((grouped & ok).any()):
        found.add("thousands separators")
    t = t.str.replace(THOUSANDS[decimal], "", regex=True)
    if decimal == ",":
        t = t.str.replace(",", ".", regex=False)
    if bool((negative & ok).any()):
        found.add("brackets around amounts (read as negative)")
    numbers = pd.to_numeric(t.where(ok), errors="coerce")
    return numbers.where(~negative, -numbers), found


#: A column of at least :data:`STRAY_MIN_VALUES` values, this share of them such numbers, is
#: numbers with stray text, named as such. Fewer are left as they were: "12,5", "3,25", "1,234"
#: are decimal commas in a decimal-point file, not two strays and a thousand.
NUMBER_SHARE = 0.9
STRAY_MIN_VALUES = 10


def _with_strays(column: pd.Series, numbers: pd.Series) -> pd.Series:
    """``column`` with each value read as a number written plainly ('$1,234.50' is '1234.5'), the
    rest as written: a column of numbers with stray text, whose strays the app names with their
    rows (the whole column was text before, dropped as unique to every row)."""
    out = column.astype(object).copy()
    read = numbers.dropna()
    out.loc[read.index] = [f"{v:.15g}" for v in read.to_numpy(dtype=float)]
    return out


def read_formatted_numbers(frame: pd.DataFrame, decimal: str = ".", markers: bool = True,
                           minutes_seconds=()) -> dict[str, dict]:
    """In place: text columns whose values are all numbers written with currency signs, thousands
    separators, percent signs or accounting brackets become number columns (13.6% is 13.6); where
    only most are (:data:`NUMBER_SHARE`), the rest are left as stray text (:func:`_with_strays`).
    ``markers``: values such as '?' are read as missing there too. ``minutes_seconds``: columns
    whose two-part times are minutes:seconds whatever this file holds. Returns, per column read,
    ``{"example": a value as written, "value": its number, "dropped": [what was dropped],
    "markers": {marker: count}}``."""
    out: dict[str, dict] = {}
    for c in frame.columns:
        s = frame[c]
        if not is_text_dtype(s):
            continue
        nonnull = s.dropna()
        text = nonnull.astype(str).str.strip()
        marker = is_marker(text) if markers else pd.Series(False, index=text.index)
        rest = text[~marker]
        head = rest.iloc[:200]
        enough = len(rest) >= 5 or (c in minutes_seconds and len(rest))  # (known: any number)
        minutes = _minutes(rest, c in minutes_seconds) if enough and head.str.contains(":").all() else None
        if minutes is not None:  # '14:30', '1:05:32': minutes
            values, clock, shown = minutes
            frame[c] = number_column(s.index, values)
            out[str(c)] = {"example": str(rest.loc[shown]), "value": float(values.loc[shown]),
                           "dropped": [], "markers": marker_counts(nonnull[marker]),
                           "clock": clock}
            continue
        united = _with_unit(rest, decimal) if len(rest) >= 5 and head.str.match(_UNIT_START).all() else None
        if united is not None and len(united[1]) == 1:  # '92 kg' in every row: numbers of kg
            values, (unit,), dropped = united
            frame[c] = number_column(s.index, values)
            out[str(c)] = {"example": str(rest.iloc[0]), "value": float(values.iloc[0]),
                           "dropped": [f"the unit {unit}", *sorted(dropped)],
                           "markers": marker_counts(nonnull[marker])}
            continue
        if rest.empty or not head.str.contains(_FORMATTING).any():  # most columns stop here
            continue
        if _parse(head, decimal)[0].isna().mean() > 1 - NUMBER_SHARE:
            continue
        numbers, dropped = _parse(rest, decimal)
        if not dropped:
            continue
        if numbers.isna().any():
            if len(numbers) >= STRAY_MIN_VALUES and numbers.notna().mean() >= NUMBER_SHARE:
                frame[c] = _with_strays(s, numbers)
            continue
        frame[c] = number_column(s.index, numbers)
        shows = rest.str.count(_FORMATTING)  # the example that shows the most of what was read
        first = shows.idxmax()
        out[str(c)] = {"example": str(rest.loc[first]), "value": float(numbers.loc[first]),
                       "dropped": sorted(dropped), "markers": marker_counts(nonnull[marker])}
    return out


_CLOCK = r"(?P<h>\d{1,3}):(?P<m>[0-5]\d(?:\.\d+)?)(?::(?P<s>[0-5]\d(?:\.\d+)?))?"


def _minutes(text: pd.Series, short_mss: bool = False) -> tuple[pd.Series, str, object] | None:
    """Times of day or durations ('14:30', '1:05:32'), every value one, as minutes, how they
    were written ("hours:minutes", "hours:minutes:seconds", "minutes:seconds") and the index of
    the value to show it by; None otherwise.

    Two parts are minutes:seconds when the column also holds three ('59:58' beside '1:02:13': a
    race's times below an hour and above), tenths ('1:23.45', a lap) or ``short_mss`` (the
    training file's were); hours:minutes otherwise."""
    parts = text.str.extract(f"^{_CLOCK}$")
    if parts["h"].isna().any():
        return None
    three = parts["s"].notna()
    tenths = parts["m"].str.contains(".", regex=False)
    if (three & tenths).any():  # '1:05.5:30': no clock
        return None
    h, m = pd.to_numeric(parts["h"]), pd.to_numeric(parts["m"])
    if three.all():
        return h * 60 + m + pd.to_numeric(parts["s"]) / 60, "hours:minutes:seconds", text.index[0]
    if not three.any() and not tenths.any() and not short_mss:
        return (h * 60 + m).astype(float), "hours:minutes", text.index[0]
    minutes = (h + m / 60).where(~three, h * 60 + m + pd.to_numeric(parts["s"]) / 60)
    if not three.any():
        return minutes, "minutes:seconds", text.index[0]
    longer = three.idxmax()  # the first value with hours, shown beside the first without
    return minutes, (f"minutes:seconds; '{text.loc[longer]}' is {minutes.loc[longer]:.6g}, "
                     f"hours:minutes:seconds"), (~three).idxmax()


#: a unit after a number: letters (µ, °, Ω too) and then letters, digits, '/', '²', '³'
_UNIT = r"[A-Za-zµ°Ω][A-Za-z0-9µ°Ω/²³·]{0,7}"
_UNIT_START = r"[-+]?\d[\d.,'   ]*\s?[A-Za-zµ°Ω]"
#: single letters that are units ('5 g', '3 m', '12 V'); others ('12A', '7B') are codes
_ONE_LETTER_UNITS = set("gmslLVWKJNh")
#: what follows a number without being a unit: ordinals, months and weekdays ('5 May'), 'e', 'x'
_NOT_UNITS = {"st", "nd", "rd", "th", "e", "x", "sept"} | {m.casefold() for m in MONTHS} | \
    {m[:3].casefold() for m in MONTHS} | {d.casefold() for d in WEEKDAYS}


def _with_unit(text: pd.Series, decimal: str) -> tuple[pd.Series, list[str], set[str]] | None:
    """Every value a number and a unit ('92 kg', '181cm', '1,234.5 km/h'): the numbers, the units
    met (sorted) and what reading the numbers dropped (thousands separators); None otherwise."""
    parts = text.str.extract(rf"^({_NUMBER[decimal]})\s?({_UNIT})$")
    if parts[0].isna().any():
        return None
    units = sorted(parts[1].unique())
    if any(u.casefold() in _NOT_UNITS or (len(u) == 1 and u not in _ONE_LETTER_UNITS)
           or re.fullmatch(r"[eE]\d+", u) for u in units):  # (1.5e3 is no unit)
        return None
    numbers, dropped = _parse(parts[0], decimal)
    if numbers.isna().any():
        return None
    return numbers, units, dropped


def mixed_units_text(frame: pd.DataFrame, decimal: str = ".") -> list[str]:
    """"mass holds numbers in different units (g, kg): it was kept as text. …" for each text
    column whose every value is a number with a unit, in more than one unit (not one scale)."""
    lines = []
    for c in frame.columns:
        s = frame[c]
        if not is_text_dtype(s):
            continue
        text = s.dropna().astype(str).str.strip()
        if len(text) < 5 or not text.iloc[:200].str.match(_UNIT_START).all():
            continue
        united = _with_unit(text, decimal)
        if united is not None and len(united[1]) > 1:
            lines.append(f"{c} holds numbers in different units ({', '.join(united[1][:6])}): it "
                         f"was kept as text. Write them in one unit to use it as a number.")
    return lines


def formatted_text(found: dict[str, dict]) -> list[str]:
    """One plain sentence per column: "income was read as numbers: '$63,248' is 63248 (the currency
    sign $ and thousands separators dropped)"."""
    lines = []
    for col, f in found.items():
        if f.get("clock"):
            lines.append(f"{col} was read as minutes: '{f['example']}' is {f['value']:.6g} "
                         f"({f['clock']}).")
            continue
        dropped = [d for d in f["dropped"] if d not in (_MINUS_READ, _TRAILING_READ)]
        parts = [and_list(dropped) + " dropped"] if dropped else []
        if _MINUS_READ in f["dropped"]:
            parts.append(f"'{MINUS}' read as a minus sign")
        if _TRAILING_READ in f["dropped"]:
            parts.append("a trailing '-' read as a minus sign")
        lines.append(f"{col} was read as numbers: '{f['example']}' is {f['value']:.15g} "
                     f"({'; '.join(parts)}).")
    return lines
