"""A loaded table and where it came from."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from nnstudio.core.data.profile import is_numeric_dtype, profile_column
from nnstudio.core.data.spellings import merged, spellings_of


@dataclass
class Dataset:
    frame: pd.DataFrame
    name: str
    source: str | None = None  # a file path, or "example:NAME"
    synthetic: bool = False
    note: str = ""  # shown to the user (e.g. "synthetic data with the real schema")
    #: how the file was read (``CsvOptions.to_dict()``), so the same file can be read again the same way
    csv_options: dict | None = None
    #: things the reader noticed and the user should know (shown in the Data tab), in plain words
    warnings: list[str] = field(default_factory=list)
    #: missing markers read as missing in number columns: ``{column: {marker: count}}``
    missing_markers: dict[str, dict[str, int]] = field(default_factory=dict)
    #: text columns read as numbers ($63,248, 13.6%): ``{column: {"example", "dropped", "markers"}}``
    formatted_numbers: dict[str, dict] = field(default_factory=dict)
    #: pandas' markers ('NA', 'None' …) read as missing in text columns: ``{column: {marker: count}}``
    text_missing: dict[str, dict[str, int]] = field(default_factory=dict)
    #: date columns whose year, month, weekday … were added: ``{column: {"parts": [names], …}}``
    date_parts: dict[str, dict] = field(default_factory=dict)
    #: the worksheets of the workbook this sheet is from ([] for a text file): the Data tab offers them
    sheets: list[str] = field(default_factory=list)
    #: the tables of the .zip this one is from ([] for another file): the Data tab offers them
    members: list[str] = field(default_factory=list)
    _profiles: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> list[str]:
        """The column names as text (read once: a 784-column table's names take 14 ms to list)."""
        known = self._profiles.get(("columns",))
        if known is None:
            known = self._profiles[("columns",)] = [str(c) for c in self.frame.columns]
        return list(known)

    @property
    def read_options(self) -> dict | None:
        """Alias of :attr:`csv_options` (what a project file stores to read the file again)."""
        return self.csv_options

    def profile(self, column: str):
        """The :class:`~nnstudio.core.data.profile.ColumnProfile` of one column (computed once)."""
        if column not in self._profiles:
            self._profiles[column] = profile_column(self.frame[column])
        return self._profiles[column]

    @property
    def memo(self) -> dict:
        """What is learnt of the table's columns, kept while the table lives (its frame never
        changes: a changed table is a new Dataset). Keys are tuples naming their kind."""
        return self._profiles

    def is_numeric(self, column: str) -> bool:
        """Whether ``column`` holds numbers (booleans do not count), from the table's types read
        once: ``frame[column]`` costs half a millisecond a column, and the Data tab asks for each
        of a 784-pixel file's columns on every change."""
        known = self._profiles.get(("numeric",))
        if known is None:
            known = self._profiles[("numeric",)] = {str(c): is_numeric_dtype(t) for c, t in self.frame.dtypes.items()}
        return known[column]

    def read_as_one(self, column: str):
        """``column`` with its look-alike values read as one (core.data.spellings), its profile and
        its variants ``{as written: as read}``, computed once: what a "merge" spelling choice makes
        of it."""
        key = ("read as one", column)
        if key not in self._profiles:
            s, found = self.frame[column], {}
            if not is_numeric_dtype(s):
                found = spellings_of(s)
                s = merged(s, found)
            self._profiles[key] = (s, profile_column(s), found)
        return self._profiles[key]

    def reading_as_one(self, columns: list[str]) -> tuple[Dataset, dict[str, dict[str, str]]]:
        """This table with the text ``columns`` read as one, and each one's variants; the profiles
        already known come along (a wide table is not profiled again). The table is not changed."""
        cols = [c for c in dict.fromkeys(columns) if not self.is_numeric(c)]
        if not cols:
            return self, {}
        read = {c: self.read_as_one(c) for c in cols}
        out = replace(self, frame=self.frame.assign(**{c: s for c, (s, _p, found) in read.items() if found}))
        out._profiles.update((k, p) for k, p in self._profiles.items() if isinstance(k, str))
        out._profiles.update((c, p) for c, (_s, p, _found) in read.items())
        return out, {c: found for c, (_s, _p, found) in read.items()}

    def profiles(self) -> list:
        """Profiles of every column, in order (slow on big tables: call it off the GUI thread)."""
        return [self.profile(c) for c in self.columns]
