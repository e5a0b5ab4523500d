"""nnstudio: design, train and understand neural networks."""

__version__ = "0.1.0"
