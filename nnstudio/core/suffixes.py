"""The file names nnstudio reads as data, in one place: the open dialogs' filter, the CLI's
"is this word a file?", the project's "follow this data path?", what a .zip may hold, the names
a generated snippet keeps and the name a new project is offered all follow these lists, so a
format added here (ARFF, UCI's ``.data``) is opened everywhere at once. No imports: the CLI
reads it before pandas or TensorFlow."""
from __future__ import annotations

#: delimited text, whatever its separator (comma, semicolon, tab, runs of spaces)
TEXT = (".csv", ".tsv", ".txt", ".dat", ".data", ".tab")
#: Weka's attribute-relation files (core.data.arff)
ARFF = (".arff",)
#: Excel workbooks (core.data.workbook)
WORKBOOKS = (".xlsx", ".xlsm")
#: one table, as it is or inside an archive
TABLES = (*TEXT, *ARFF, *WORKBOOKS)
#: compressed files and archives read through (core.data.packed)
PACKED = (".gz", ".bz2", ".xz", ".zip")
#: every data file name
DATA = (*TABLES, *PACKED)
#: a saved project
PROJECT = ".nnstudio"


def _globs(suffixes: tuple[str, ...]) -> str:
    return " ".join(f"*{s}" for s in suffixes)


#: the open dialogs' filter (QFileDialog's syntax)
FILE_FILTER = (f"Data files ({_globs(DATA)});;Excel workbooks ({_globs(WORKBOOKS)});;"
               f"Compressed ({_globs(PACKED)});;All files (*)")
