"""The replay of a run exported as an animated GIF (or numbered PNG frames): the surface and the
curves, one frame per snapshot, at the scrubber's replay speed."""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtWidgets import QApplication, QFileDialog

from nnstudio.ui.timeline.scrubber import SPEEDS

GIF_FILTER = "Animated GIF (*.gif)"
FRAMES_FILTER = "PNG frames, in a new folder of that name (*)"


def _pil(image) -> Image.Image:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return Image.open(io.BytesIO(bytes(buf.data()))).convert("RGB")


def export_replay(window, path: str | None = None) -> int:
    """Writes the replay to ``path`` (asked for when None): an animated GIF when it ends in .gif,
    else a folder of numbered PNG frames (``ffmpeg -i frame-%04d.png replay.mp4`` makes a video of
    them). Returns the frames written; says in the status bar what was written, or why not."""
    sc = window.scrubber
    tl = sc.timeline
    if tl is None or not len(tl):
        window.show_message("info", "This run has no snapshots to replay yet: train it first.")
        return 0
    if path is None:
        path, chosen = QFileDialog.getSaveFileName(window, "Export the replay", "replay.gif",
                                                   f"{GIF_FILTER};;{FRAMES_FILTER}")
        if not path:
            return 0
        if chosen == GIF_FILTER and not path.lower().endswith(".gif"):
            path += ".gif"
    target = Path(path)
    gif = target.suffix.lower() == ".gif"
    if not gif:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            window.show_message("error", f"Cannot make the folder {target}: {e.strerror or e}.")
            return 0
    split = window.curves.parentWidget().parentWidget()
    frames = []
    start, at_end = sc.slider.value(), sc.slider.value() == sc.slider.maximum()
    try:
        for i in range(len(tl)):
            sc.show_index(i)
            for _ in range(20):  # let the surface's worker draw the frame
                QApplication.processEvents()
            image = split.grab().toImage()
            if gif:
                frames.append(_pil(image))
            elif not image.save(str(target / f"frame-{i:04d}.png")):
                window.show_message("error", f"Cannot write the frames to {target}: is the folder writable?")
                return i
    finally:  # back where the user was
        sc.go_to_end() if at_end else sc.show_index(start)
    if gif:
        per_second = SPEEDS[sc.speed.currentIndex()][1]
        try:
            frames[0].save(target, save_all=True, append_images=frames[1:], loop=0,
                           duration=max(20, round(1000 / per_second)), optimize=False)
        except OSError as e:
            window.show_message("error", f"Cannot write {target.name}: {e.strerror or e}. "
                                         "Choose a folder you can write to.")
            return 0
    window.statusBar().showMessage(f"Wrote the replay ({len(frames) if gif else len(tl)} frames) "
                                   f"to {target}.", 8000)
    return len(tl)
