"""The user's preprocessing and split choices (PreprocessConfig, SplitConfig) and their plain names."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from nnstudio.core.errors import DataError

NUMERIC_SCALINGS = ("standardize", "minmax", "none")
CATEGORICAL_ENCODINGS = ("onehot", "ordinal")
MISSING_STRATEGIES = ("auto", "drop", "mean", "median", "most_frequent", "constant")
COLUMN_KINDS = ("auto", "number", "category")
SPELLINGS = ("exact", "merge")  # values as written, or look-alikes read as one (core.data.spellings)
#: rows held out at random, the file's last rows, or whole groups of a column's values at random
SPLIT_ORDERS = ("random", "last", "group")

#: Plain names for the choices above (the GUI's combo boxes and the CLI's help use them).
LABELS = {
    "standardize": "standardize (mean 0, sd 1)", "minmax": "scale to 0..1", "none": "no scaling",
    "onehot": "one-hot", "ordinal": "ordinal codes",
    "drop": "drop the row", "mean": "fill with the mean", "median": "fill with the median",
    "most_frequent": "fill with the most frequent", "constant": "fill with a constant",
    "auto": "automatic", "number": "a number", "category": "a category",
}
#: The missing-value choices in plain words ("auto" reads differently from the other "auto"s).
MISSING_LABELS = {**{k: LABELS[k] for k in MISSING_STRATEGIES},
                  "auto": "automatic (fill when dropping would lose many rows)"}


@dataclass
class PreprocessConfig:
    numeric: str = "standardize"
    categorical: str = "onehot"
    missing: str = "auto"
    fill_value: float | str = 0.0
    #: per-column overrides of the keys above and "kind" ("auto" | "number" | "category"),
    #: e.g. ``{"Age": {"numeric": "none", "missing": "median"}}``
    per_column: dict[str, dict] = field(default_factory=dict)
    #: engineered inputs (issue 21): formulas over numeric columns, e.g. ["x^2", "x*y", "sin(x)"]
    engineered: list[str] = field(default_factory=list)
    #: text values that differ only in capitals, spaces or a final full stop: "exact" (different values) or "merge"
    #: (read as one: core.data.spellings); usually set per column
    spelling: str = "exact"

    def for_column(self, col: str, key: str):
        default = getattr(self, key, "auto")
        return self.per_column.get(col, {}).get(key, default)

    def set_for_column(self, col: str, key: str, value) -> None:
        """Override one choice for one column (a value equal to the default removes the override).

        A new dict, not the old one changed: a config copied with ``dataclasses.replace`` (an
        example's, a branch's) shares its ``per_column`` with the one it was copied from."""
        over = dict(self.per_column.get(col, {}))
        if value == getattr(self, key, "auto"):
            over.pop(key, None)
        else:
            over[key] = value
        per_column = dict(self.per_column)
        if over:
            per_column[col] = over
        else:
            per_column.pop(col, None)
        self.per_column = per_column

    def check(self) -> None:
        if not isinstance(self.engineered, list) or not all(isinstance(e, str) for e in self.engineered):
            raise DataError("The engineered inputs must be a list of formulas such as \"x^2\".")
        for col, over in [(None, vars(self)), *self.per_column.items()]:
            where = f" for column '{col}'" if col else ""
            for key, allowed in (("numeric", NUMERIC_SCALINGS), ("categorical", CATEGORICAL_ENCODINGS),
                                 ("missing", MISSING_STRATEGIES), ("kind", COLUMN_KINDS),
                                 ("spelling", SPELLINGS)):
                if key in over and over[key] not in allowed:
                    raise DataError(f"Unknown {key} choice '{over[key]}'{where}.",
                                    f"Use one of: {', '.join(allowed)}.")

    def to_dict(self) -> dict:
        d = asdict(self)
        if not d["engineered"]:  # written only when used: earlier versions can open the project
            del d["engineered"]
        if d["spelling"] == "exact":
            del d["spelling"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> PreprocessConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise DataError(f"Unknown preprocessing setting(s): {', '.join(sorted(unknown))}.")
        cfg = cls(**{k: v for k, v in d.items()})
        cfg.per_column = {str(k): dict(v) for k, v in cfg.per_column.items()}
        cfg.check()
        return cfg


@dataclass
class SplitConfig:
    test: float = 0.2
    val: float = 0.2  # fraction of the rows left after the test split (like Keras' validation_split)
    seed: int = 42
    stratify: bool = True
    #: "random" rows, or "last": the last rows in file order (data in time order: a forecast is
    #: measured on rows later than those it learnt from); seed and stratify do not apply there;
    #: or "group": whole groups of the ``group`` column's values at random (the visits of one
    #: patient all in training, or all held out), seeded, not stratified
    order: str = "random"
    group: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SplitConfig:
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise DataError(f"Unknown split setting(s): {', '.join(sorted(unknown))}.")
        return cls(**d)

    def check(self) -> None:
        if self.order not in SPLIT_ORDERS:
            raise DataError(f"The split order must be one of {', '.join(SPLIT_ORDERS)} (got "
                            f"{self.order!r}).", "'random': rows at random; 'last': the last rows of the file; "
                            "'group': whole groups of a column's values.")
        if not isinstance(self.group, str):
            raise DataError(f"The split's group column must be a column's name (got {self.group!r}).",
                            "Choose the column whose values name the groups, or hold out random rows.")
        if self.order == "group" and not self.group.strip():
            raise DataError("Holding out whole groups needs the column that names them.",
                            "Choose the column whose values name the groups (a patient's or a "
                            "customer's ID): its rows are held out together.")
        if not 0 <= self.test < 0.9:
            raise DataError(f"The test fraction must be at least 0 and below 0.9 (got {self.test}).")
        if not 0 <= self.val < 0.9:
            raise DataError(f"The validation fraction must be at least 0 and below 0.9 (got {self.val}).")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or not 0 <= self.seed < 2**63:
            raise DataError(f"The split seed must be a whole number from 0 to 2^63 - 1 (got "
                            f"{self.seed!r}).")

    def fractions(self) -> tuple[float, float, float]:
        """(train, validation, test) as fractions of all rows."""
        test = self.test
        val = (1 - test) * self.val
        return 1 - test - val, val, test


def numeric_fill_value(config: PreprocessConfig, col: str) -> float:
    """The constant that fills a numeric column's missing values (a DataError if not a number)."""
    fill = config.for_column(col, "fill_value")
    try:
        return float(fill)
    except (TypeError, ValueError):
        raise DataError(f"Column '{col}' holds numbers, so its missing values cannot be filled "
                        f"with {fill!r}.", "Give a number as the constant.") from None
