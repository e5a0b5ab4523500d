"""One list of data file names (core.suffixes) drives every place that asks "is this a data
file?": a format the reader opens is offered by the open dialog, taken as a file by the CLI,
followed in a project, suggested beside a mistyped name and stripped from a new project's name."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from nnstudio.cli import looks_like_file
from nnstudio.core import project_doc, suffixes
from nnstudio.core.data import packed, workbook
from nnstudio.core.data.csv import FILE_FILTER
from nnstudio.core.data.csv_file import open_checked
from nnstudio.core.errors import DataError
from nnstudio.ui.project.naming import default_project_stem


def test_the_open_dialog_offers_every_data_file_the_reader_opens():
    data_group = FILE_FILTER.split(";;")[0]
    globs = data_group[data_group.index("(") + 1: data_group.index(")")].split()
    assert globs == [f"*{s}" for s in suffixes.DATA]
    assert {"*.arff", "*.data", "*.xlsx", "*.gz"} <= set(globs)


def test_the_readers_use_the_shared_lists():
    assert packed.TABLES == suffixes.TABLES
    assert workbook.SUFFIXES == suffixes.WORKBOOKS
    assert project_doc.DATA_SUFFIXES == suffixes.DATA


@pytest.mark.parametrize("word", ["iris.arff", "housing.data", "sales.XLSX", "adult.data.gz", "my.nnstudio"])
def test_the_cli_takes_a_data_or_project_name_as_a_file(word):
    assert looks_like_file(word)


def test_the_cli_takes_a_mistyped_command_as_no_file():
    assert not looks_like_file("trian")


def test_a_mistyped_name_is_answered_with_the_data_files_beside_it(tmp_path):
    for name in ("housing.data", "iris.arff", "notes.md"):
        (tmp_path / name).write_text("a,b\n1,2\n")
    with pytest.raises(DataError) as err:
        open_checked(tmp_path / "housing.csv")
    hint = err.value.hint
    assert "housing.data" in hint and "iris.arff" in hint
    assert "notes.md" not in hint


@pytest.mark.parametrize(("name", "stem"), [("adult.data.gz", "adult"), ("iris.arff", "iris"),
                                            ("penguins-raw.csv", "penguins-raw"), ("v1.2 results", "v1.2 results")])
def test_a_new_project_is_named_after_its_data_without_the_file_suffixes(name, stem):
    project = SimpleNamespace(dataset=SimpleNamespace(name=name))
    assert default_project_stem(project) == stem
