"""Challenges (issue 21): a data recipe, optional locked controls and a goal, checked after each run;
a local leaderboard keeps the runs that met it, fewest parameters first.

A challenge file is JSON::

    {"format": "nnstudio-challenge", "version": 1,
     "title": "Circles without a hidden layer",
     "description": "...",
     "recipe": {"shape": "circles", "rows": 400, "noise": 0.1, "test": 0.5, "seed": 0},
     "start": {"layers": "", "features": ["x", "y"]},
     "locked": ["data"],
     "goal": {"metric": "test_accuracy", "at_least": 0.95, "max_hidden_units": 0}}

``locked`` names controls the app greys out: ``data`` (the generator; always checked, since the
goal means nothing on other data), ``features`` (the inputs must stay those of ``start``),
``network`` and ``settings``. The goal: a figure of the run (``test_accuracy``,
``val_accuracy``, ``accuracy``; ``test_loss``, ``loss`` with ``at_most``) and limits on the
hidden units, hidden layers and parameters.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from nnstudio.core.atomic import atomic_write
from nnstudio.core.data.features import split_features
from nnstudio.core.data.generate import Recipe, recipe_of
from nnstudio.core.data.roles import Roles
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.spec import NetworkSpec, param_counts
from nnstudio.core.project import Project

FORMAT = "nnstudio-challenge"
LOCKABLE = ("data", "features", "network", "settings")
METRICS_UP = ("test_accuracy", "val_accuracy", "accuracy", "test_r2")
METRICS_DOWN = ("test_loss", "val_loss", "loss")
LIMITS = ("max_hidden_units", "max_hidden_layers", "max_params")


def _shipped_dir() -> Path:
    d = Path(__file__).resolve().parents[2] / "resources" / "challenges"
    # a packaged (PyInstaller) build keeps resources beside the package
    return d if d.is_dir() else Path(getattr(sys, "_MEIPASS", d.parents[1])) / "resources" / "challenges"


#: The challenges shipped with nnstudio.
SHIPPED_DIR = _shipped_dir()


class ChallengeError(NNStudioError):
    """A challenge file that cannot be used."""


@dataclass
class Goal:
    metric: str = "test_accuracy"
    at_least: float | None = None
    at_most: float | None = None
    max_hidden_units: int | None = None
    max_hidden_layers: int | None = None
    max_params: int | None = None

    def text(self) -> str:
        what = self.metric.replace("_", " ")
        parts = [f"{what} >= {self.at_least:g}" if self.at_least is not None else f"{what} <= {self.at_most:g}"]
        if self.max_hidden_layers is not None:
            parts.append(f"at most {self.max_hidden_layers} hidden layer{'s' * (self.max_hidden_layers != 1)}")
        if self.max_hidden_units is not None:
            parts.append("no hidden unit" if self.max_hidden_units == 0
                         else f"at most {self.max_hidden_units} hidden units")
        if self.max_params is not None:
            parts.append(f"at most {self.max_params} parameters")
        return parts[0] + (" with " + ", ".join(parts[1:]) if len(parts) > 1 else "")


@dataclass
class Challenge:
    title: str
    recipe: Recipe
    goal: Goal
    description: str = ""
    locked: list[str] = field(default_factory=list)
    start_layers: str = ""
    start_features: list[str] = field(default_factory=lambda: ["x", "y"])
    path: Path | None = None

    @property
    def key(self) -> str:
        """The leaderboard's name for this challenge (its file name without the suffix)."""
        return self.path.stem if self.path else "".join(ch if ch.isalnum() else "-" for ch in self.title.lower())

    def project(self):
        """A project set up as the challenge starts: its data, inputs and network."""
        p = Project.from_recipe(self.recipe)
        apply_start(p, self.start_layers, self.start_features)
        return p


def apply_start(project, layers: str | None, feats: list[str] | None) -> None:
    """Set a project's hidden layers (compact text) and inputs (columns and formulas)."""
    if layers is not None:
        project.spec = NetworkSpec.parse(layers, project.task, project.n_classes())
    if feats is not None:
        cols = [c for c in project.dataset.columns if c != project.roles.target]
        raw, derived = split_features(feats, cols)
        project.roles = Roles(project.roles.target, raw,
                              {c: "not chosen" for c in cols if c not in raw})
        project.preprocess = replace(project.preprocess, engineered=derived)


def _num(d: dict, key: str, kind=float, lo: float = 0.0):
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < lo or (kind is int and int(v) != v):
        raise ChallengeError(f"The challenge's goal '{key}' must be a {'whole ' if kind is int else ''}"
                             f"number of {lo:g} or more, not {v!r}.")
    return kind(v)


def from_dict(d: dict, path: Path | None = None) -> Challenge:
    where = f" ({path.name})" if path else ""
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise ChallengeError(f"This is not an nnstudio challenge file{where}: it needs "
                             f'"format": "{FORMAT}".', "Open a challenge file, such as those in "
                             "resources/challenges.")
    unknown = set(d) - {"format", "version", "title", "description", "recipe", "start", "locked", "goal"}
    if unknown:
        raise ChallengeError(f"Unknown entries in the challenge{where}: {', '.join(sorted(unknown))}.")
    try:
        recipe = Recipe.from_dict(d.get("recipe"))
    except NNStudioError as e:
        raise ChallengeError(f"The challenge's data recipe{where} is invalid: {e.message}", e.hint) from None
    g = d.get("goal")
    if not isinstance(g, dict) or not g:
        raise ChallengeError(f"The challenge{where} has no goal.",
                             'Add e.g. "goal": {"metric": "test_accuracy", "at_least": 0.9}.')
    bad = set(g) - {"metric", "at_least", "at_most", *LIMITS}
    if bad:
        raise ChallengeError(f"Unknown goal setting(s){where}: {', '.join(sorted(bad))}.",
                             f"Use metric, at_least or at_most, {', '.join(LIMITS)}.")
    metric = g.get("metric", "test_accuracy")
    if metric not in METRICS_UP + METRICS_DOWN:
        raise ChallengeError(f"The goal's metric {metric!r}{where} is not one nnstudio measures.",
                             f"Use one of: {', '.join(METRICS_UP + METRICS_DOWN)}.")
    goal = Goal(metric, _num(g, "at_least", lo=-1e9), _num(g, "at_most", lo=-1e9),
                *(_num(g, k, int) for k in LIMITS))
    if (goal.at_least is None) == (goal.at_most is None):
        raise ChallengeError(f"The goal{where} needs exactly one of at_least and at_most.")
    locked = d.get("locked", [])
    if not isinstance(locked, list) or any(x not in LOCKABLE for x in locked):
        raise ChallengeError(f"'locked'{where} must list some of: {', '.join(LOCKABLE)}.")
    start = d.get("start", {})
    if not isinstance(start, dict) or not isinstance(start.get("layers", ""), str) \
            or not isinstance(start.get("features", []), list):
        raise ChallengeError(f"'start'{where} must be like {{\"layers\": \"dense:4:tanh\", "
                             f"\"features\": [\"x\", \"y\"]}}.")
    return Challenge(str(d.get("title") or (path.stem if path else "Challenge")), recipe, goal,
                     str(d.get("description", "")), list(locked), start.get("layers", ""),
                     list(start.get("features", ["x", "y"])), path)


def load(path: str | os.PathLike) -> Challenge:
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChallengeError(f"There is no challenge file '{path}'.",
                             f"Shipped challenges: {', '.join(p.name for p in shipped_paths())}.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ChallengeError(f"'{path}' cannot be read as a challenge: {e}.",
                             "Choose a challenge file (JSON).") from None
    return from_dict(doc, path)


def shipped_paths() -> list[Path]:
    return sorted(SHIPPED_DIR.glob("*.json"))


# ----- checking a run ----------------------------------------------------------------------------
@dataclass
class Verdict:
    met: bool
    reasons: list[str]  # why not met (empty when met)
    figures: dict  # metric value, hidden_units, hidden_layers, params

    def text(self) -> str:
        if self.met:
            return "Goal met: " + ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in self.figures.items()) + "."
        return "Goal not met: " + "; ".join(self.reasons) + "."


def _fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def run_figures(project, data, result) -> dict:
    """The figures a goal reads from one run: its metrics, hidden units and layers, parameters."""
    hidden = [layer for layer in project.spec.hidden if layer.kind == "dense"]
    params = sum(n for _, n in param_counts(project.spec, data.n_inputs, data.task, data.n_classes))
    figures = {"hidden_layers": len(hidden), "hidden_units": sum(layer.units for layer in hidden),
               "params": int(params)}
    metrics = {}
    for k, v in (result.test or {}).items():
        metrics[f"test_{k}"] = float(v)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
        vals = (result.history or {}).get(k)
        if vals:
            metrics[k] = float(vals[-1])
    return {**metrics, **figures}


def check(challenge: Challenge, project, data, result) -> Verdict:
    """Whether a run of ``project`` met the challenge's goal, and if not, why (in words)."""
    reasons = []
    if recipe_of(project.dataset) != challenge.recipe:
        reasons.append("the data is not the challenge's (its recipe was changed)")
    if "features" in challenge.locked:
        raw = list(project.roles.features) + list(project.preprocess.engineered)
        if sorted(raw) != sorted(challenge.start_features):
            reasons.append(f"the inputs must stay {', '.join(challenge.start_features)}")
    start = challenge.project() if {"network", "settings"} & set(challenge.locked) else None
    if "network" in challenge.locked and project.spec.compact() != start.spec.compact():
        reasons.append(f"the network must stay {start.spec.compact() or 'without hidden layers'}")
    if "settings" in challenge.locked and project.settings.to_dict() != start.settings.to_dict():
        reasons.append("the training settings must stay as the challenge sets them")
    fig = run_figures(project, data, result)
    g = challenge.goal
    value = fig.get(g.metric)
    if value is None:
        reasons.append(f"the run has no {g.metric.replace('_', ' ')} (is there a test split?)")
    elif g.at_least is not None and not value >= g.at_least:
        reasons.append(f"{g.metric.replace('_', ' ')} {value:.3f} is below {g.at_least:g}")
    elif g.at_most is not None and not value <= g.at_most:
        reasons.append(f"{g.metric.replace('_', ' ')} {value:.3f} is above {g.at_most:g}")
    for key, name in (("max_hidden_units", "hidden_units"), ("max_hidden_layers", "hidden_layers"),
                      ("max_params", "params")):
        limit = getattr(g, key)
        if limit is not None and fig[name] > limit:
            reasons.append(f"{fig[name]} {name.replace('_', ' ')}, more than {limit}")
    shown = {g.metric: value} if value is not None else {}
    shown.update({k: fig[k] for k in ("hidden_layers", "hidden_units", "params")})
    return Verdict(not reasons, reasons, shown)


# ----- the local leaderboard ---------------------------------------------------------------------
def leaderboard_dir() -> Path:
    """Where leaderboards are kept: $NNSTUDIO_HOME/leaderboards, else ~/.nnstudio/leaderboards."""
    base = os.environ.get("NNSTUDIO_HOME")
    return (Path(base) if base else Path.home() / ".nnstudio") / "leaderboards"


@dataclass
class Leaderboard:
    path: Path
    entries: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, challenge: Challenge, folder: Path | None = None) -> Leaderboard:
        path = (folder or leaderboard_dir()) / f"{challenge.key}.json"
        entries = []
        if path.is_file():
            try:
                entries = [e for e in json.loads(path.read_text(encoding="utf-8")).get("entries", [])
                           if isinstance(e, dict) and "params" in e]
            except (OSError, ValueError, AttributeError):
                entries = []  # a damaged board starts again rather than blocking the challenge
        return cls(path, entries)

    def ranked(self) -> list[dict]:
        """Fewest parameters first; then the better metric; then the earlier run."""
        def key(e):
            m = e.get("value") or 0.0
            return (e["params"], m if e.get("lower_is_better") else -m, e.get("when", ""))
        return sorted(self.entries, key=key)

    def add(self, challenge: Challenge, verdict: Verdict, project, name: str = "me") -> int | None:
        """Record a run that met the goal; returns its rank (1 = best), or None if not met."""
        if not verdict.met:
            return None
        entry = {"name": name, "params": verdict.figures["params"],
                 "hidden_units": verdict.figures["hidden_units"],
                 "value": verdict.figures.get(challenge.goal.metric),
                 "metric": challenge.goal.metric,
                 "lower_is_better": challenge.goal.metric in METRICS_DOWN,
                 "layers": project.spec.compact(),
                 "features": [*project.roles.features, *project.preprocess.engineered],
                 "when": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        self.entries.append(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, json.dumps({"challenge": challenge.title, "entries": self.entries},
                                           indent=2).encode("utf-8"))
        return self.ranked().index(entry) + 1
