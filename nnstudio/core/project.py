"""The whole session as one plain object: data source, roles, preprocessing, split, network, settings.

The GUI keeps one :class:`Project`; the CLI builds one from an example name, a CSV or a project file.
Both then call :meth:`Project.prepare` and the training engine, so they give the same results.
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field, replace

from nnstudio.core.data import checks
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.examples import get_example
from nnstudio.core.data.preprocess import PreparedData, PreprocessConfig, SplitConfig, prepare
from nnstudio.core.data.profile import is_numeric_dtype
from nnstudio.core.data.roles import Roles, infer_roles, infer_task, propose_codes
from nnstudio.core.errors import NNStudioError
from nnstudio.core.model.edits import class_width
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.settings import TrainSettings
from nnstudio.core.surface import default_held_values


def _profiles(dataset: Dataset) -> dict:
    return {c: dataset.profile(c) for c in dataset.columns}


@dataclass
class Project:
    dataset: Dataset
    roles: Roles
    spec: NetworkSpec = field(default_factory=NetworkSpec)
    settings: TrainSettings = field(default_factory=TrainSettings)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    split: SplitConfig = field(default_factory=SplitConfig)
    task_override: Task | None = None
    example: str | None = None  # name of the built-in example it came from, if any
    # keyword-only from here: two fields added by different features once swapped places positionally
    runs: list = field(default_factory=list, kw_only=True)  # RunRecords, oldest first (core.experiments)
    # two classes: P(second class) above this predicts the second class (core.threshold; issue 20)
    threshold: float = field(default=0.5, kw_only=True)

    @classmethod
    def from_example(cls, name: str) -> Project:
        ex = get_example(name)
        ds = ex.dataset()
        roles = infer_roles(ds.frame, ex.target, profiles=_profiles(ds))
        if ex.features is not None:
            roles = Roles(ex.target, list(ex.features),
                          {c: roles.ignored.get(c, "not used by this example") for c in ds.columns
                           if c != ex.target and c not in ex.features})

        return cls(ds, roles, ex.spec.copy(), replace(ex.settings), replace(ex.preprocess),
                   replace(ex.split), None, ex.name)

    @classmethod
    def from_recipe(cls, recipe, base: Project | None = None) -> Project:
        """A project on generated data (core.data.generate, issue 21): x and y in, the recipe's
        target out; the network and settings of ``base`` (an example) or Playground's 4-2 net."""
        ds = recipe.dataset()
        roles = Roles(recipe.target, ["x", "y"], {})
        if base is not None:
            spec, settings, pre, split = (base.spec.copy(), replace(base.settings),
                                          replace(base.preprocess), base.split)
        else:
            spec = NetworkSpec([LayerSpec.dense(4, "tanh"), LayerSpec.dense(2, "tanh")])
            settings, pre, split = TrainSettings(learning_rate=0.03, epochs=100), PreprocessConfig(), SplitConfig()
        return cls(ds, roles, spec, settings, pre, replace(split, test=recipe.test))

    @classmethod
    def from_dataset(cls, dataset: Dataset, target: str | None = None) -> Project:
        """A new project on a loaded table, with proposed roles, codes (zip codes) proposed as
        categories, and a small default network."""
        profiles = _profiles(dataset)
        roles = infer_roles(dataset.frame, target, profiles=profiles)
        pre = propose_codes(PreprocessConfig(), dataset.frame, roles.features, profiles)
        p = cls(dataset, roles, NetworkSpec([]), TrainSettings(epochs=50), pre)
        # 16 then 8 ReLU units; as wide as the classes where there are more (26 letters through 8
        # units lose what tells them apart: the coach's "bottleneck")
        try:
            classes = p.n_classes() if p.task is Task.MULTICLASS else 0
        except NNStudioError:  # a target that cannot be used: the Data tab says why
            classes = 0
        wide = max(8, class_width(classes))
        p.spec = NetworkSpec([LayerSpec.dense(max(16, 2 * wide), "relu"), LayerSpec.dense(wide, "relu")])
        return p

    @property
    def task(self) -> Task:
        if self.task_override is not None:
            return self.task_override
        return infer_task(*self.target_values())[0]

    def target_values(self):
        """The target column as the network learns it, and its profile: its look-alike values
        read as one when its spelling choice says so ('ja', 'Ja' and 'ja ': one class)."""
        return self.column_as_read(self.roles.target)

    def column_as_read(self, col: str):
        """A column as the network reads it, and its profile: its look-alike values read as one
        when its spelling choice says so (the Data tab counts and draws it so)."""
        if self.preprocess.for_column(col, "spelling") == "merge":
            return self.dataset.read_as_one(col)[:2]
        return self.dataset.frame[col], self.dataset.profile(col)

    def profile_as_read(self, col: str):
        """The profile of :meth:`column_as_read` alone (the column itself is not looked up)."""
        if self.preprocess.for_column(col, "spelling") == "merge":
            return self.dataset.read_as_one(col)[1]
        return self.dataset.profile(col)

    def whole_number_classes(self) -> int:
        """How many whole-number values of the target the inferred task takes as unordered classes
        (0 when it does not: the task was chosen, or the target is not numbers). Visits 0..31 become
        19 unrelated classes, where being off by one counts as wrong as being off by ten: the GUI
        and the CLI say so, and how to train a quantity as regression instead."""
        target = self.roles.target
        frame = self.dataset.frame
        if self.task_override is not None or target not in frame.columns:
            return 0
        try:
            multiclass = self.task is Task.MULTICLASS
        except NNStudioError:  # a target that cannot be used: the Data tab explains it
            return 0
        return int(frame[target].nunique()) if multiclass and is_numeric_dtype(frame[target]) else 0

    def n_classes(self) -> int:
        task = self.task
        if task is Task.REGRESSION:
            return 1
        return int(self.target_values()[0].dropna().nunique())

    def prepare(self, fold: tuple[int, int] | None = None) -> PreparedData:
        """The prepared data; ``fold`` (i, k): cross-validation's fold i of k as the validation rows."""
        return prepare(self.dataset, self.roles, self.preprocess, self.split, self.task_override, fold)

    def data_snapshot(self) -> Project:
        """A copy of what :meth:`prepare` and the data checks read (roles, preprocessing, split,
        task; the table itself is shared, read only), for a worker to prepare from while the
        project changes on."""
        return replace(self, roles=deepcopy(self.roles), preprocess=deepcopy(self.preprocess),
                       split=replace(self.split), runs=[])

    def prepare_for_views(self) -> PreparedData:
        """:meth:`prepare`, and at once what the views compute from the prepared data — the held
        values of the decision surface and the prediction forms, the data checks — so that the
        worker preparing a million rows pays for them, not the window (remembered on the data)."""
        data = self.prepare()
        default_held_values(data.preprocessor, data.raw_train)
        checks.check(data, self)
        return data
