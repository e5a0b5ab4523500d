"""Fuzzing the CSV reader (Hypothesis): whatever a file holds and whatever options are chosen, the
only exceptions that come out of reading it, previewing it and preparing it for training are the
app's own documented ones (:class:`~nnstudio.core.errors.NNStudioError` subclasses, each with a
one-line message). ``NNSTUDIO_FUZZ_EXAMPLES`` raises the number of examples for a longer hunt."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nnstudio.core.data import checks
from nnstudio.core.data.csv import CsvOptions, preview, read_csv
from nnstudio.core.data.missing_codes import codes_of, look, read_codes_as_missing
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project

N = int(os.environ.get("NNSTUDIO_FUZZ_EXAMPLES", "0"))
FUZZ = settings(max_examples=N or 60, deadline=None, suppress_health_check=list(HealthCheck))
FOLDER = Path(tempfile.mkdtemp(prefix="nnstudio-fuzz-csv-"))

GOOD = ("age,income,city,label\n"
        + "".join(f"{20 + i % 50},{1000 + 37 * i},{['Oslo', 'Malmö', 'Köln'][i % 3]},{i % 2}\n"
                  for i in range(40))).encode("utf-8")

# cells that tend to break readers: numbers in odd forms, missing markers, quotes, delimiters,
# line ends, non-ASCII and control characters
CELLS = st.one_of(
    st.sampled_from(["", "1", "-2.5", "1e308", "-1e308", "1e-320", "inf", "-inf", "nan", "NaN",
                     "NA", "?", "12,5", "0x1F", "1_000", "  7 ", "TRUE", "yes", '"', '""', '"a,b"',
                     '"multi\nline"', "\r", "\t", ";", "|", "é", "日本", "\ufeff", "\x00", "\x1b",
                     "2024-01-31", "a" * 300]),
    st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**30, 10**30).map(str),
)
DELIMS = st.sampled_from([",", ";", "\t", "|"])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
OPTION_ENCODINGS = st.sampled_from([None, "utf-8", "utf-16", "cp1252", "latin-1", "ascii", "rot13",
                                    "base64", "idna", "utf-32", "no-such-codec"])
OPTIONS = st.builds(
    lambda d, e, h, dec, na: {"delimiter": d, "encoding": e, "header": h, "decimal": dec,
                              "na_values": na},
    st.sampled_from([None, ",", ";", "\t", "|", " ", "x", '"', "\n", "ab", ""]),
    OPTION_ENCODINGS, st.sampled_from([None, True, False]), st.sampled_from([None, ".", ",", ";"]),
    st.lists(st.sampled_from(["?", "-", "", "nan", "x", "\n"]), max_size=3))


def _file(raw: bytes, name: str = "f.csv") -> Path:
    path = Path(tempfile.mkdtemp(dir=FOLDER)) / name
    path.write_bytes(raw)
    return path


def _use(path: Path, options=None) -> None:
    """What the app does with a file: read it (CLI and GUI), preview it (import dialog), propose
    roles and prepare the data for training (Data tab, Train)."""
    try:
        opts = CsvOptions.from_dict(options) if isinstance(options, dict) else options
        preview(path, opts, nrows=20)
        ds = read_csv(path, opts, chunk_rows=7)
        project = Project.from_dataset(ds)
        data = project.prepare()
        said = checks.notes(data, project)  # the Data tab's findings (codes such as -999 among them)
        assert all(isinstance(n, str) and n for n in said)
        coded, far, *_ = look(ds.frame, ds.columns)
        if coded or far:  # the one-click remedy reads them as missing as the file would be read
            assert read_codes_as_missing(ds, codes_of([*coded, *far])).frame.shape == ds.frame.shape
    except NNStudioError as e:
        assert e.user_text().strip()
        return
    for name in ("X_train", "X_val", "X_test", "y_train", "y_val", "y_test"):  # no silent garbage
        m = np.asarray(getattr(data, name), dtype=np.float64)
        assert np.isfinite(m).all(), (name, m)


@FUZZ
@given(raw=st.binary(max_size=400))
@example(raw=b'"')  # found by a longer hunt: one unclosed quote failed the preview with an IndexError
def test_arbitrary_bytes(raw):
    _use(_file(raw))


@FUZZ
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=5), min_size=1, max_size=12),
       delim=DELIMS, encoding=ENCODINGS, newline=st.sampled_from(["\n", "\r\n", "\r"]))
# found in CI: a whole number beyond int64 (a Python int) as the only value of the target failed
# formatting its "only one value" message with a TypeError from NumPy
@example(rows=[["-9223372036854775809"]], delim=",", encoding="utf-8", newline="\n")
def test_table_like_text(rows, delim, encoding, newline):
    text = newline.join(delim.join(r) for r in rows) + newline
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    _use(_file(raw))


@FUZZ
@given(data=st.data())
def test_mutated_valid_file(data):
    raw = bytearray(GOOD)
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        kind = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        at = data.draw(st.integers(0, max(0, len(raw) - 1)), label="at")
        if kind == "flip" and raw:
            raw[at] = data.draw(st.integers(0, 255))
        elif kind == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del raw[at:at + data.draw(st.integers(1, 40))]
        elif kind == "truncate":
            del raw[at:]
        else:
            raw[at:at] = raw[at:at + data.draw(st.integers(1, 60))]
    _use(_file(bytes(raw)))


@FUZZ
@given(options=OPTIONS, rows=st.lists(st.lists(CELLS, min_size=2, max_size=4), min_size=2,
                                      max_size=8), delim=DELIMS)
def test_any_reading_options(options, rows, delim):
    text = "a" + delim + "b\n" + "\n".join(delim.join(r) for r in rows) + "\n"
    _use(_file(text.encode("utf-8")), options)


NUMBER_CELLS = st.one_of(
    st.sampled_from(["-999", "-999.0", "9999", "99", "-99", "0", "1e308", "-1e308", "inf", "", "?",
                     "1000000000", "4.5"]),
    st.integers(-50, 50).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:.3f}"),
)


@FUZZ
@given(columns=st.lists(st.lists(NUMBER_CELLS, min_size=25, max_size=25), min_size=1, max_size=3))
@example(columns=[["-999", "-999.0", *(str(20 + i % 7) for i in range(23))]])  # a code, written two ways
@example(columns=[["4.5"] * 25, ["99"] * 3 + [str(1 + i % 5) for i in range(22)]])  # a survey's 'no answer'
def test_codes_and_far_values_in_columns_of_numbers(columns):
    """Columns long enough to hold a code (-999) or a far value, read, checked and read with the
    ones found as missing: the one-click remedy's table is the file's read with them in 'Also
    missing', whatever else the column holds."""
    names = [f"c{i}" for i in range(len(columns))]
    text = ",".join([*names, "y"]) + "\n" + "".join(
        ",".join([*(col[r] for col in columns), str(r % 2)]) + "\n" for r in range(25))
    path = _file(text.encode())
    _use(path)
    try:
        ds = read_csv(path)
    except NNStudioError:
        return
    coded, far, *_ = look(ds.frame, ds.columns)
    found = codes_of([*coded, *far])
    if found:
        again = read_csv(path, CsvOptions(na_values=found))
        pd.testing.assert_frame_equal(read_codes_as_missing(ds, found).frame, again.frame)
