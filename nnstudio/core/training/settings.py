"""The training settings moved to :mod:`nnstudio.core.settings` (below the data layer, which reads
them for the built-in examples); this name stays for the GUI and other callers."""
from nnstudio.core.settings import (
    BATCH_MODES,
    EARLY_MONITORS,
    LOSSES,
    OPTIMIZERS,
    TrainSettings,
    loss_fits,
)

__all__ = ["BATCH_MODES", "EARLY_MONITORS", "LOSSES", "OPTIMIZERS", "TrainSettings", "loss_fits"]
