"""The network architecture: a plain, JSON-serializable spec and the one function that builds Keras."""
from nnstudio.core.model.spec import (
    INITIALIZERS,
    LAYER_KINDS,
    LayerSpec,
    NetworkSpec,
    Task,
)

__all__ = ["INITIALIZERS", "LAYER_KINDS", "LayerSpec", "NetworkSpec", "Task"]
