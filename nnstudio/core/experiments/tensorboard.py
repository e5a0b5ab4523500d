"""Run scalars as TensorBoard event files (``tf.summary``), one folder per run.

Laid out like Keras' ``TensorBoard`` callback, so ``tensorboard --logdir DIR`` shows nnstudio runs
like any Keras run: ``DIR/<run name>-<id>/train`` holds ``epoch_loss``, ``epoch_accuracy`` ...,
``.../validation`` the validation curves, ``.../test`` the final test metrics (at the last epoch).
"""
from __future__ import annotations

import re
from pathlib import Path

from nnstudio.core.errors import ProjectError
from nnstudio.core.tf import tensorflow


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._=+-]+", "_", text).strip("_")[:80] or "run"


def _scalar_metadata(tf):
    """The metadata TensorBoard's scalars plugin reads (what ``tensorboard.summary.scalar`` writes:
    plugin "scalars", an empty ``ScalarPluginData``), made here so the ``tensorboard`` package is
    not needed to write the files (only to view them)."""
    from tensorflow.core.framework import summary_pb2  # noqa: PLC0415 -- lazy: TensorFlow loads only when this runs, not at start-up

    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars", content=b""))


def _scalar(tf, tag: str, value: float, step: int, metadata) -> None:
    tf.summary.write(tag, tf.constant(float(value), tf.float32), step=step, metadata=metadata)


class RunWriter:
    def __init__(self, logdir: str | Path) -> None:
        self.logdir = Path(logdir)
        try:
            self.logdir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ProjectError(f"Cannot create the TensorBoard folder {self.logdir}: "
                               f"{e.strerror}.", "Choose a writable folder.") from None

    def folder(self, record) -> Path:
        return self.logdir / f"{_safe(record.label())}-{record.id}"

    def write(self, record) -> Path:
        """Write one run's curves and final test metrics; returns its folder."""
        tf = tensorflow()
        base = self.folder(record)
        meta = _scalar_metadata(tf)
        parts = {"train": {k: v for k, v in record.history.items() if not k.startswith("val_")},
                 "validation": {k[4:]: v for k, v in record.history.items()
                                if k.startswith("val_")}}
        for sub, curves in parts.items():
            if not curves:
                continue
            w = tf.summary.create_file_writer(str(base / sub))
            with w.as_default():
                for k, vals in curves.items():
                    for step, v in enumerate(vals):
                        _scalar(tf, f"epoch_{k}", v, step, meta)
            w.flush()
            w.close()
        test = record.final.get("test") or {}
        if test:
            w = tf.summary.create_file_writer(str(base / "test"))
            with w.as_default():
                for k, v in test.items():
                    _scalar(tf, f"epoch_{k}", v, max(0, record.epochs_run - 1), meta)
            w.flush()
            w.close()
        return base
