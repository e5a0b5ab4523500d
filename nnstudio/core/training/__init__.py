"""Training: settings and the engine (Keras models, whole epochs inside compiled TF functions)."""
from nnstudio.core.settings import OPTIMIZERS, TrainSettings

__all__ = ["OPTIMIZERS", "TrainSettings"]
