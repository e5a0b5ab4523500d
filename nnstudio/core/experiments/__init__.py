"""Experiments: every training run remembered (:mod:`.record`, :mod:`.store`), compared honestly
(:mod:`.stats`, :mod:`.diff`) and swept (:mod:`.sweep`), optionally as TensorBoard event files
(:mod:`.tensorboard`). Qt-free, like all of :mod:`nnstudio.core`."""
