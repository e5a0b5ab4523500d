"""'NA', 'None', 'null' in a column of text: pandas reads them as missing values, and a region
column of EU, NA (North America), APAC became 22 % "missing" without a word. They are still read
as missing by default (R writes NA for a missing value), but the app says which and how many, and
a switch keeps them as values (North America, sodium, a house with no alley)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data.csv import CsvOptions, preview, read_csv, read_csv_like
from nnstudio.core.errors import DataError
from nnstudio.core.project import Project


def region_file(tmp_path, n=200):
    rng = np.random.default_rng(4)
    region = rng.choice(["EU", "NA", "APAC"], n)
    spend = rng.gamma(2, 50, n).round(1).astype(object)
    spend[[3, 7]] = "NA"  # R's missing number
    frame = pd.DataFrame({"region": region, "spend": spend, "alley": rng.choice(["Grvl", "None"], n),
                          "churn": (region == "NA").astype(int)})
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    return path, region


def test_na_in_a_text_column_is_read_as_missing_and_said(tmp_path):
    path, region = region_file(tmp_path)
    ds = read_csv(path)
    assert ds.frame["region"].isna().sum() == (region == "NA").sum()
    assert ds.frame["spend"].dtype.kind == "f" and ds.frame["spend"].isna().sum() == 2
    n_na, n_none = int((region == "NA").sum()), int(ds.frame["alley"].isna().sum())
    assert ds.text_missing == {"region": {"NA": n_na}, "alley": {"None": n_none}}
    note = next(w for w in ds.warnings if "in text columns were read as missing" in w)
    assert note == (f"{n_na + n_none:,} values in text columns were read as missing: 'NA' in "
                    f"region ({n_na:,}), 'None' in alley ({n_none:,}). If they are values there "
                    f"(NA for North America, None for 'no alley'), read the file with them kept "
                    f"as values.")
    assert "spend" not in ds.text_missing  # a column of numbers: NA is missing, nothing to ask


def test_they_can_be_kept_as_values(tmp_path, tf_loaded):
    path, region = region_file(tmp_path)
    ds = read_csv(path, CsvOptions(na_in_text=False))
    assert set(ds.frame["region"]) == {"EU", "NA", "APAC"} and set(ds.frame["alley"]) == {"Grvl", "None"}
    assert ds.frame["spend"].dtype.kind == "f" and ds.frame["spend"].isna().sum() == 2
    assert not ds.text_missing and not any("text columns were read" in w for w in ds.warnings)
    assert CsvOptions.from_dict(ds.csv_options).na_in_text is False
    assert "'NA', 'None'… in text columns kept as values" in CsvOptions(na_in_text=False).describe()
    frame, _ = preview(path, CsvOptions(na_in_text=False))
    assert "NA" in set(frame["region"])
    # the network sees North America as a region, and a file to predict is read the same way
    data = Project.from_dataset(ds, "churn").prepare()
    assert "NA" in next(c for c in data.preprocessor.columns if c.name == "region").categories
    again = read_csv_like(path, ds.csv_options)
    assert "NA" in set(again.frame["region"])
    with pytest.raises(DataError, match="na_in_text must be true or false"):
        CsvOptions.from_dict({"na_in_text": "no"})


def test_a_streamed_fit_says_it_reads_them_as_missing(tmp_path):
    from nnstudio.core.training.streaming_csv import fit_streaming

    path, _ = region_file(tmp_path)
    with pytest.raises(DataError, match="Keeping NA, None… in text columns as values is not done "
                                        "when streaming"):
        fit_streaming(path, target="churn", csv_options={"na_in_text": False})

