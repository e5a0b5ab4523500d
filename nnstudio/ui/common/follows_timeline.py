"""Views that go back in time with the timeline scrubber (issue 19)."""
from __future__ import annotations


class FollowsTimeline:
    """A view that draws the scrubber's snapshot (``AppState.epoch_shown``) as the paused report it
    already draws while a run trains, and its final model again when the scrubber goes back to the
    end (None). The view has ``_on_model_changed()`` and ``_on_progress(progress)`` and connects
    ``state.epoch_shown`` to ``_on_epoch_shown`` (a signal of the GUI thread)."""

    def _on_epoch_shown(self, shown) -> None:
        if shown is None:
            self._on_model_changed()
        else:
            self._on_progress(shown.as_progress())
