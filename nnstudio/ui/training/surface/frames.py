"""Frame scheduling for the decision surface: rate-limited frames, inline or on a worker, newest first."""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Slot

from nnstudio.core import surface as core_surface
from nnstudio.core.errors import NNStudioError
from nnstudio.core.forward import ForwardLayer, forward
from nnstudio.ui.training.surface.points import SplitPoints

#: A grid whose estimated cost is below this (seconds) is computed on the GUI thread.
INLINE_BUDGET_S = 0.008
#: Shortest time between two live frames (seconds): at most 20 frames a second. In the app the
#: engine reports 15 times a second (TrainingController.REPORT_INTERVAL_S) and each report is drawn
#: as it arrives, while the training thread is inside its next compiled chunk; a frame costs the
#: GUI thread ~8 ms (NumPy ~2 ms, the repaint the rest).
MIN_FRAME_INTERVAL_S = 1 / 20


@dataclass
class FrameJob:
    """One frame to compute: which request it answers, the network, the plane, its grid if built."""

    seq: int
    layers: list[ForwardLayer]
    meta: dict
    spec: core_surface.SliceSpec
    grid: core_surface.SurfaceGrid | None  # None: must be built (encoded) first


def compute_frame(job: FrameJob, pre, points: dict[str, SplitPoints]) -> dict:
    """Grid (if needed), surface and point predictions: plain NumPy, safe on any thread.

    ``seconds`` is the CPU time of this thread (what the frame costs, whatever else runs).
    """
    t0 = time.thread_time()
    grid = job.grid if job.grid is not None else core_surface.make_grid(pre, job.spec)
    surf = core_surface.evaluate(grid, job.layers, pre.task)
    surf.meta = dict(job.meta)
    preds = {k: core_surface.predicted_classes(np.asarray(forward(job.layers, p.X)), pre.task)
             for k, p in points.items() if len(p.X)}
    return {"surface": surf, "preds": preds, "seconds": time.thread_time() - t0}


class FrameScheduling:
    """Mix in before the QWidget base of :class:`~nnstudio.ui.training.surface.view.SurfaceView`:
    which network to draw next, when, and where (GUI thread or worker)."""

    def _invalidate(self) -> None:
        """Results of frames requested so far are no longer wanted."""
        self._min_seq = self._seq + 1
        self._pending = None

    def _schedule_redraw(self, final: bool = False, quick: bool = False) -> None:
        """Recompute the current network on the current plane (after a view, slice or model change).

        ``quick``: at the live resolution (a slider being dragged); the full one follows once the
        value has stayed put for a moment.
        """
        if self._net is None or self._axes is None:
            return
        layers, meta = self._net
        self._pending = {"layers": layers, "meta": dict(meta), "final": final or "final" in meta,
                         "quick": quick}
        self._kick(immediate=True)
        if quick:
            self._settle_timer.start()

    def _kick(self, immediate: bool = False) -> None:
        if self.jobs.busy:
            return  # the running job picks up the newest request when it ends
        wait = 0.0 if immediate else max(0.0, MIN_FRAME_INTERVAL_S - (time.perf_counter() - self._last_frame_t))
        if not self._frame_timer.isActive():
            self._frame_timer.start(int(wait * 1000))
        elif immediate:
            self._frame_timer.start(0)

    def _current_spec(self, resolution: int) -> core_surface.SliceSpec:
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return core_surface.SliceSpec.make(self._axes[0], self._axes[1], (x0, x1), (y0, y1),
                                           resolution, self.held_values)

    @Slot()
    def _render_pending(self) -> None:
        if self._pending is None or self.jobs.busy or self._axes is None or self._prep is None:
            return
        if not self.isVisible():
            self._stale = True  # drawn when the view is shown again
            return
        req = self._pending
        live = req["meta"].get("live", False)
        if live and not self.live.isChecked():
            return
        self._pending = None
        if "weights" in req:
            try:
                layers = core_surface.network_from_weights(req["spec"], req["task"], req["k"],
                                                           req["weights"])
            except NNStudioError as e:
                self._problem = f"The live surface cannot be drawn: {e.user_text()}"
                self._update_texts()
                return
            self._net = (layers, req["meta"])
        else:
            layers = req["layers"]
        res = core_surface.LIVE_RESOLUTION if live or req.get("quick") else core_surface.FINAL_RESOLUTION
        try:
            spec = self._current_spec(res)
        except (ValueError, TypeError):
            return
        grid = self._grids.get(spec)
        self._seq += 1
        job = FrameJob(self._seq, layers, req["meta"], spec, grid)
        rows = res * res
        ncols = 0 if grid is not None else len(self._prep.preprocessor.columns)
        est = core_surface.estimate_seconds(rows, layers, ncols) * self._cost_scale
        self._last_frame_t = time.perf_counter()
        if est <= INLINE_BUDGET_S:
            self.inline_frames += 1
            try:
                out = compute_frame(job, self._prep.preprocessor, self._points)
            except NNStudioError as e:
                self._show_problem(e)
                return
            self._finish(job, out, est)
        else:
            self._start_worker(job, est)

    def _start_worker(self, job: FrameJob, est: float) -> None:
        pre, points = self._prep.preprocessor, dict(self._points)
        self.jobs.submit((job, est), lambda: compute_frame(job, pre, points))

    @Slot(object, object)
    def _on_job_finished(self, tag, out: dict) -> None:
        job, est = tag
        self._finish(job, out, est)

    @Slot(object, object)
    def _on_job_failed(self, _tag, err: NNStudioError) -> None:
        self._show_problem(err)

    @Slot()
    def _on_jobs_idle(self) -> None:
        if self._pending is not None:
            self._kick()

    def _finish(self, job: FrameJob, out: dict, est: float) -> None:
        measured = out["seconds"]
        if est > 0:  # learn how pessimistic the estimate is (smoothed, bounded)
            ratio = min(20.0, max(0.05, measured / (est / self._cost_scale)))
            self._cost_scale = 0.7 * self._cost_scale + 0.3 * ratio
        if job.seq < self._min_seq:
            return  # superseded (new model, new data, training restarted)
        surf: core_surface.Surface = out["surface"]
        surf.meta["seconds"] = measured  # CPU time of the grid, surface and point predictions
        self._grids[job.spec] = surf.grid
        while len(self._grids) > 4:
            self._grids.popitem(last=False)
        if not surf.finite:
            self._problem = ("The network's outputs are not finite numbers (training diverged?): "
                             "lower the learning rate and train again.")
            self._update_texts()
            return
        had_problem, prev = bool(self._problem), self.last_surface
        self._problem = ""
        self._preds = out["preds"]
        self._draw_surface(surf)
        self._draw_misclassified()
        self.frames += 1
        self.last_surface = surf
        if had_problem or prev is None or bool(prev.meta.get("live")) != bool(surf.meta.get("live")):
            self._update_texts()
        else:  # the common case while training: only what changes every frame
            self._update_title()
            self._update_status()
        self.surface_updated.emit(surf)

    def _show_problem(self, err: NNStudioError) -> None:
        self._problem = f"The surface cannot be drawn: {err.user_text()}"
        self._update_texts()

