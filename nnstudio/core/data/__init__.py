"""Data: datasets, column roles and task inference, fitted preprocessing, splits, examples."""
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.preprocess import (
    FittedPreprocessor,
    PreparedData,
    PreprocessConfig,
    SplitConfig,
    prepare,
)
from nnstudio.core.data.roles import Roles, infer_roles, infer_task

__all__ = ["Dataset", "FittedPreprocessor", "PreparedData", "PreprocessConfig", "Roles",
           "SplitConfig", "infer_roles", "infer_task", "prepare"]
