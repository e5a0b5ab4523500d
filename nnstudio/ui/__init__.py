"""Qt views and controllers over :mod:`nnstudio.core`. Widgets are touched on the GUI thread only."""
