"""Built-in examples: each one loads data *and* its network and settings (../shared/WORKLOADS.md).

Everything is generated here with a fixed seed or shipped in ``resources/examples`` (the 8x8 digits),
so nothing is downloaded and every run of the app sees the same rows.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.preprocess import PreprocessConfig, SplitConfig
from nnstudio.core.errors import DataError
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.settings import TrainSettings


def _examples_dir() -> Path:
    here = Path(__file__).resolve()
    d = here.parents[3] / "resources" / "examples"
    if d.is_dir():
        return d
    # a packaged (PyInstaller) build keeps resources beside the package
    return Path(getattr(sys, "_MEIPASS", here.parents[3])) / "resources" / "examples"


EXAMPLES_DIR = _examples_dir()


@dataclass
class Example:
    name: str
    title: str
    description: str
    make: Callable[[], pd.DataFrame]
    target: str
    spec: NetworkSpec
    settings: TrainSettings
    features: list[str] | None = None  # None: proposed by role inference
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    synthetic: bool = True
    note: str = ""
    workload: str = ""  # "W1".."W4" of WORKLOADS.md, if any

    def dataset(self) -> Dataset:
        return Dataset(self.make(), self.title, source=f"example:{self.name}",
                       synthetic=self.synthetic, note=self.note)


# ----- generators ----------------------------------------------------------------------------------
def make_xor(n: int = 1000, noise: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """Points in the square [-1, 1]^2; class 1 where exactly one coordinate is positive (XOR)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-1.0, 1.0, size=(n, 2))
    cls = ((xy[:, 0] > 0) ^ (xy[:, 1] > 0)).astype(int)
    xy = xy + rng.normal(0.0, noise, size=xy.shape)
    return pd.DataFrame({"x": xy[:, 0].round(4), "y": xy[:, 1].round(4), "class id": cls})


def make_or() -> pd.DataFrame:
    """The OR truth table."""
    return pd.DataFrame({"x1": [0, 0, 1, 1], "x2": [0, 1, 0, 1], "y": [0, 1, 1, 1]})


def make_blobs(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Two Gaussian blobs (std 1): centre (10, 10) labelled 0 and centre (0, 0) labelled 1."""
    rng = np.random.default_rng(seed)
    half = n // 2
    a = rng.normal((10.0, 10.0), 1.0, size=(half, 2))
    b = rng.normal((0.0, 0.0), 1.0, size=(n - half, 2))
    xy = np.vstack([a, b]).round(4)
    label = np.r_[np.zeros(half, int), np.ones(n - half, int)]
    order = rng.permutation(n)
    return pd.DataFrame({"x1": xy[order, 0], "x2": xy[order, 1], "label": label[order]})


def make_circles(n: int = 500, noise: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """A disc (class 1) inside a ring (class 0), like TensorFlow Playground's circle data set."""
    rng = np.random.default_rng(seed)
    inner = rng.random(n) < 0.5
    r = np.where(inner, rng.uniform(0.0, 0.5, n), rng.uniform(0.7, 1.0, n))
    t = rng.uniform(0, 2 * np.pi, n)
    xy = np.c_[r * np.cos(t), r * np.sin(t)] + rng.normal(0, noise, (n, 2))
    return pd.DataFrame({"x": xy[:, 0].round(4), "y": xy[:, 1].round(4), "class": inner.astype(int)})


def make_spiral(n: int = 600, noise: float = 0.03, seed: int = 0) -> pd.DataFrame:
    """Two interleaved spirals, one per class, like TensorFlow Playground's spiral data set."""
    rng = np.random.default_rng(seed)
    half = n // 2
    i = np.arange(half) / half
    r = 0.05 + 0.95 * i
    t = 1.75 * 2 * np.pi * i
    parts, labels = [], []
    for k, delta in enumerate((0.0, np.pi)):
        xy = np.c_[r * np.sin(t + delta), r * np.cos(t + delta)] + rng.normal(0, noise, (half, 2))
        parts.append(xy)
        labels.append(np.full(half, k))
    xy = np.vstack(parts)
    label = np.concatenate(labels)
    order = rng.permutation(len(xy))
    return pd.DataFrame({"x": xy[order, 0].round(4), "y": xy[order, 1].round(4), "arm": label[order]})


def make_digits() -> pd.DataFrame:
    """The 8x8 handwritten digits (1,797 images, 64 pixels of 0..16), shipped as a CSV."""
    path = EXAMPLES_DIR / "digits.csv"
    if not path.exists():
        raise DataError(f"The digits example file is missing ({path}).",
                        "Reinstall nnstudio; the file ships in resources/examples.")
    return pd.read_csv(path)


_SURNAME_PARTS = {
    # stems x endings, weighted like a mixed European / Asian / Nigerian customer base
    "en": (["Har", "Mit", "Bart", "And", "Hen", "Sand", "Clem", "Tom", "Wat", "Arm", "Cam", "Brad",
            "Ash", "Ful", "Whit", "Pem", "Good", "Mos", "Bear", "Mul", "Stan", "Wes", "Kel", "Dal",
            "Hol", "Mor", "Fair", "Bur", "Chap", "Ral", "Win", "Al", "Ed", "Pres", "Red", "Hig",
            "Nor", "Sut", "Lang", "Mil"],
           ["grave", "chell", "lett", "rews", "derson", "son", "ents", "linson", "ley", "ton",
            "ford", "wood", "er", "ing", "field", "more", "by", "well", "man", "ridge"]),
    "it": (["Bon", "Lucc", "Lomb", "Trev", "Dell", "Rom", "Mar", "Fer", "Ros", "Bian", "Esp",
            "Gall", "Cont", "Rizz", "Mor", "Ricc", "Sant", "Colom", "Gen", "Pag", "Vit", "Bell",
            "Cal", "Fab", "Ner"],
           ["i", "iano", "ardo", "isani", "ucci", "eo", "ini", "etti", "one", "ello", "ari", "esi"]),
    "ru": (["Gerasim", "Ivan", "Petr", "Smirn", "Kuzn", "Pop", "Sokol", "Lebed", "Kozl", "Nov",
            "Moroz", "Volk", "Zaits", "Pavl", "Semen", "Golub", "Vinogr", "Bogd", "Vorob", "Fedot"],
           ["ov", "ova", "ev", "in", "sky", "enko"]),
}
_SURNAMES_SINGLE = [
    "Chu", "He", "Chin", "Hao", "Yen", "Hsiung", "Yang", "Wang", "Lo", "Tsao", "Li", "Liu", "Chen",
    "Zhang", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma", "Hu", "Guo", "Lin", "Kao", "Teng", "Tan",
    "Ts'ai", "Hsu", "Chiang", "Chung", "Tien", "Lu", "Pai", "Shih", "Fang", "Ku", "Yao", "Lei",
    "Obinna", "Nebechi", "Azikiwe", "Odinakachukwu", "Okwudili", "Chukwuemeka", "Onyekachi",
    "Ikechukwu", "Nwachukwu", "Okonkwo", "Uchechukwu", "Ejimofor", "Obiuto", "Onwuamaeze",
    "Nnaemeka", "Chinweuba", "Ugochukwu", "Okechukwu", "Amechi", "Eze", "Nwankwo", "Obi",
    "McDonald", "McWilliams", "McIntyre", "McKenzie", "Maclean", "MacGregor", "McKay", "McCartney",
    "Scott", "Hill", "Young", "Kay", "Watson", "Cameron", "Armstrong", "Clarke", "Walker", "Wright",
]


def _surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    pool = list(_SURNAMES_SINGLE)
    for stems, ends in _SURNAME_PARTS.values():
        pool += [s + e for s in stems for e in ends]
    pool = np.array(sorted(set(pool)))
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.6  # a few common names, a long tail
    weights = rng.permutation(weights)
    return rng.choice(pool, n, p=weights / weights.sum())


def make_churn(n: int = 10_000, seed: int = 7, sharpness: float = 1.3) -> pd.DataFrame:
    """Bank customers with the public churn file's exact schema; synthetic, seeded.

    Marginal distributions follow the public file (50 % France, 25 % Spain, 25 % Germany; 55 % male;
    age 18-92 with mean ~39; ~36 % zero balances, none in Germany; 1-4 products; ~20 % exited), and
    leaving follows a known relation that a small net can learn but a straight line only partly can:
    it rises with age up to the mid-fifties and falls after sixty, is higher in Germany, for women,
    for inactive members and for 3-4 products, and lower for 2 products.
    """
    rng = np.random.default_rng(seed)
    geo = rng.choice(["France", "Spain", "Germany"], n, p=[0.5014, 0.2477, 0.2509])
    gender = rng.choice(["Male", "Female"], n, p=[0.5457, 0.4543])
    age = np.clip(np.round(18 + rng.gamma(3.96, 5.27, n)), 18, 92).astype(int)
    tw = np.r_[0.41, np.full(9, 1.0), 0.49]
    tenure = rng.choice(np.arange(11), n, p=tw / tw.sum())
    zero_bal = np.where(geo == "Germany", False, rng.random(n) < 0.48)
    balance = np.where(zero_bal, 0.0, np.clip(rng.normal(119_800, 30_100, n), 3_768.69, 250_898.09)).round(2)
    products = rng.choice([1, 2, 3, 4], n, p=[0.5084, 0.4590, 0.0266, 0.0060])
    card = (rng.random(n) < 0.7055).astype(int)
    active = (rng.random(n) < 0.5151).astype(int)
    salary = rng.uniform(11.58, 199_992.48, n).round(2)
    score = np.clip(np.round(rng.normal(650.5, 96.7, n)), 350, 850).astype(int)
    a = age.astype(float)
    f_age = 0.13 * (np.minimum(a, 56) - 38) - 0.16 * np.maximum(a - 62, 0)
    prod = np.select([products == 1, products == 2, products == 3], [0.0, -1.7, 2.6], 4.5)
    z = (-1.3 + f_age + 0.85 * (geo == "Germany") + 0.55 * (gender == "Female") - 1.05 * active
         + prod + 0.3 * (balance > 0) - 0.0009 * (score - 650))
    exited = (rng.random(n) < 1 / (1 + np.exp(-sharpness * z))).astype(int)
    ids = 15_565_701 + np.sort(rng.choice(250_000, n, replace=False))
    return pd.DataFrame({
        "RowNumber": np.arange(1, n + 1), "CustomerId": rng.permutation(ids),
        "Surname": _surnames(rng, n), "CreditScore": score, "Geography": geo, "Gender": gender,
        "Age": age, "Tenure": tenure, "Balance": balance, "NumOfProducts": products,
        "HasCrCard": card, "IsActiveMember": active, "EstimatedSalary": salary, "Exited": exited})


def make_house_prices(n: int = 1000, seed: int = 3) -> pd.DataFrame:
    """Synthetic house prices: numbers, a category, a yes/no column and some missing values."""
    rng = np.random.default_rng(seed)
    hood = rng.choice(["Centre", "Riverside", "Suburbs", "Hills"], n, p=[0.2, 0.2, 0.4, 0.2])
    area = np.clip(rng.gamma(6.0, 17.0, n), 25, 400).round(0)
    rooms = np.clip(np.round(area / 28 + rng.normal(0, 0.8, n)), 1, 10).astype(int)
    age = np.clip(rng.exponential(30, n), 0, 150).round(0)
    dist = np.clip(np.where(hood == "Centre", rng.gamma(2, 0.7, n),
                            np.where(hood == "Suburbs", rng.gamma(6, 1.6, n), rng.gamma(4, 1.2, n))),
                   0.1, 40).round(1)
    garden = np.where(rng.random(n) < np.where(hood == "Centre", 0.15, 0.65), "yes", "no")
    per_m2 = 5.2 * np.exp(-dist / 12) + np.select([hood == "Riverside", hood == "Hills"], [1.1, 0.6], 0.0)
    age_f = 1 - 0.004 * np.minimum(age, 60) + 0.002 * np.maximum(age - 80, 0)  # old houses gain again
    price = area * per_m2 * age_f + 25 * (garden == "yes") + 8 * rooms + rng.normal(0, 25, n)
    age_missing = rng.random(n) < 0.03
    frame = pd.DataFrame({"Area": area, "Rooms": rooms, "Age": np.where(age_missing, np.nan, age),
                          "DistanceToCentre": dist, "Neighbourhood": hood, "Garden": garden,
                          "Price": np.clip(price, 40, None).round(1)})
    return frame


# ----- the examples --------------------------------------------------------------------------------
EXAMPLES: dict[str, Example] = {}


def register(example: Example) -> Example:
    EXAMPLES[example.name] = example
    return example


_XOR_TEXT = ("1000 points in a square; the class is the XOR of the signs of x and y. A single straight "
             "line cannot separate the classes; a net with hidden layers bends the boundary and "
             "solves it. Workload W1.")

register(Example(
    name="xor", workload="W1",
    title="XOR (deep net)",
    description=_XOR_TEXT + " The tutorial's two Dropout(0.2) layers are optional: insert them in "
                            "the network editor, or open 'XOR with dropout'.",
    make=make_xor, target="class id", features=["x", "y"],
    spec=NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dense(4, "relu")]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.001, epochs=100, batch_size=32),
    split=SplitConfig(test=0.25, val=0.2, seed=42),
))

register(Example(
    name="xor-dropout", workload="W1",
    title="XOR with dropout",
    description=_XOR_TEXT + " This variant has Dropout(0.2) after each hidden layer, as in the "
                            "tutorial: it slows learning a little and makes the boundary smoother.",
    make=make_xor, target="class id", features=["x", "y"],
    spec=NetworkSpec([LayerSpec.dense(6, "relu"), LayerSpec.dropout(0.2),
                      LayerSpec.dense(4, "relu"), LayerSpec.dropout(0.2)]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.001, epochs=100, batch_size=32),
    split=SplitConfig(test=0.25, val=0.2, seed=42),
))

register(Example(
    name="or", workload="W2",
    title="OR truth table (one unit)",
    description="The 4 rows of the OR truth table and a single unit (no hidden layer). A step unit "
                "with weights 1, 1 and bias -1 computes OR exactly, but a step has no useful "
                "gradient (it is flat almost everywhere), so gradient descent cannot train it; a "
                "sigmoid unit can, and this example trains one on all 4 rows. Workload W2.",
    make=make_or, target="y", features=["x1", "x2"],
    spec=NetworkSpec([]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.1, epochs=300, batch_mode="full-batch",
                           batch_size=4),
    preprocess=PreprocessConfig(numeric="none"),
    split=SplitConfig(test=0.0, val=0.0, seed=42, stratify=False),
    note="The 4 rows are used for training and for checking: there is nothing else to test on.",
))

register(Example(
    name="perceptron", workload="W2",
    title="Perceptron on two blobs",
    description="200 points in two Gaussian blobs (std 1) centred at (10, 10), labelled 0, and "
                "(0, 0), labelled 1. A single sigmoid unit (no hidden layer) draws one straight "
                "line, which is all this linearly separable data needs: it reaches 100 % test "
                "accuracy. (On XOR the same perceptron fails.) Workload W2.",
    make=make_blobs, target="label", features=["x1", "x2"],
    spec=NetworkSpec([]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.001, epochs=1000, batch_size=32),
    split=SplitConfig(test=0.25, val=0.0, seed=42),
))

register(Example(
    name="circles",
    title="Circles (disc inside a ring)",
    description="500 points: a disc of one class inside a ring of the other, as in TensorFlow "
                "Playground. No straight line separates them; two small hidden layers draw a "
                "closed boundary.",
    make=make_circles, target="class", features=["x", "y"],
    spec=NetworkSpec([LayerSpec.dense(8, "relu"), LayerSpec.dense(8, "relu")]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.01, epochs=150, batch_size=16),
    split=SplitConfig(test=0.2, val=0.2, seed=42),
))

register(Example(
    name="spiral",
    title="Two spirals",
    description="600 points on two interleaved spirals, the hardest of TensorFlow Playground's "
                "data sets: it needs a deeper net, a higher learning rate and more epochs, and "
                "shows how the boundary winds along the arms as training goes on.",
    make=make_spiral, target="arm", features=["x", "y"],
    spec=NetworkSpec([LayerSpec.dense(32, "relu"), LayerSpec.dense(32, "relu"),
                      LayerSpec.dense(16, "relu")]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.01, epochs=400, batch_size=16),
    split=SplitConfig(test=0.2, val=0.2, seed=42),
))

_PIXELS = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
register(Example(
    name="digits", workload="W3",
    title="Handwritten digits (10 classes)",
    description="1,797 handwritten digits as 8x8 images: 64 pixel features (0 = white, 16 = black) "
                "and 10 classes. A 64-64-10 dense net with a softmax output learns them in 10 "
                "epochs. Workload W3.",
    make=make_digits, target="digit", features=list(_PIXELS),
    spec=NetworkSpec([LayerSpec.dense(64, "relu"), LayerSpec.dense(64, "relu")]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.001, epochs=10, batch_size=32,
                           loss="sparse_categorical_crossentropy"),
    split=SplitConfig(test=0.2, val=0.2, seed=42),
    synthetic=False,
    note="The UCI 'Optical Recognition of Handwritten Digits' test set (as in scikit-learn's "
         "load_digits), CC BY 4.0, shipped in resources/examples/digits.csv.",
))

_CHURN_NOTE = ("Synthetic: 10,000 generated customers with exactly the columns of the public bank "
               "churn file (RowNumber … Exited). Not real people; if you have the real "
               "Churn_Modelling.csv, open it with File > Open data and it is read the same way.")
register(Example(
    name="churn", workload="W4",
    title="Bank customer churn (synthetic)",
    description="Will a bank customer leave? 10,000 customers, 14 columns. The app proposes to "
                "ignore the identifiers (RowNumber, CustomerId, Surname), encodes Gender as 0/1 and "
                "Geography one-hot, and standardizes the numbers on the training split only. "
                "Net 6-6-1 with uniform initial weights, Adam, batch 10, 50 epochs. Workload W4.",
    make=make_churn, target="Exited", features=None,
    spec=NetworkSpec([LayerSpec.dense(6, "relu", initializer="uniform"),
                      LayerSpec.dense(6, "relu", initializer="uniform")],
                     LayerSpec.dense(1, "sigmoid", initializer="uniform")),
    settings=TrainSettings(optimizer="adam", learning_rate=0.001, epochs=50, batch_size=10),
    split=SplitConfig(test=0.2, val=0.0, seed=42),
    synthetic=True, note=_CHURN_NOTE,
))

register(Example(
    name="house-prices",
    title="House prices (regression)",
    description="Predict a number: the price (in thousands) of 1,000 synthetic houses from their "
                "area, rooms, age, distance to the centre, neighbourhood and garden. Shows "
                "regression (a linear output and mean squared error), one-hot categories, a yes/no "
                "column, and missing ages filled with the training median.",
    make=make_house_prices, target="Price", features=None,
    spec=NetworkSpec([LayerSpec.dense(32, "relu"), LayerSpec.dense(16, "relu")]),
    settings=TrainSettings(optimizer="adam", learning_rate=0.003, epochs=100, batch_size=32),
    preprocess=PreprocessConfig(per_column={"Age": {"missing": "median"}}),
    split=SplitConfig(test=0.2, val=0.2, seed=42),
    synthetic=True,
    note="Synthetic: generated houses, not real sales.",
))


def get_example(name: str) -> Example:
    key = name.strip().lower()
    if key not in EXAMPLES:
        raise DataError(f"There is no example called '{name}'.",
                        f"Examples: {', '.join(EXAMPLES)} (see `nnstudio examples`).")
    return EXAMPLES[key]
