"""Qt-free core of nnstudio: data, model specs, training, forward pass, evaluation, export.

Nothing below this package may import Qt (a test enforces it), so all of it runs headless.
TensorFlow is imported lazily, inside the functions that need it, through :mod:`nnstudio.core.tf`.
"""
