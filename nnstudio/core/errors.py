"""Typed errors a user can cause. Each carries a message (what is wrong) and a hint (what to do).

The GUI shows them as a message box, the CLI prints them as one line and exits 2.
"""
from __future__ import annotations


class NNStudioError(Exception):
    """Base of every error the user can cause and fix."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def user_text(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def __str__(self) -> str:  # one line, suitable for the CLI
        return self.user_text()


class DataError(NNStudioError):
    """A data file or a column choice that cannot be used."""


class ReadingOptionError(DataError):
    """A file that cannot be read *with these reading options* but may be with others (a header
    naming a column twice reads without a header row): the import dialog shows it beside them."""


class Cancelled(NNStudioError):
    """Reading was cancelled by the user (not an error: the previous data stays)."""


class SpecError(NNStudioError):
    """A network architecture that cannot be built or cannot train."""


class SettingsError(NNStudioError):
    """A training setting out of range."""


class TrainingError(NNStudioError):
    """Training could not go on (divergence, a failure inside TensorFlow)."""


class ProjectError(NNStudioError):
    """A project or model file that is not ours, damaged, or from a newer version."""
