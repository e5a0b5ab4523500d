"""The network architecture: a plain, JSON-serializable spec and the one function that builds Keras."""
from nnstudio.core.model.spec import (
    ACTIVATIONS,
    INITIALIZERS,
    LAYER_KINDS,
    LayerSpec,
    NetworkSpec,
    Task,
)

__all__ = ["ACTIVATIONS", "INITIALIZERS", "LAYER_KINDS", "LayerSpec", "NetworkSpec", "Task"]
