"""Random user actions on the main window, to find what scripted tests do not think of.

    xvfb-run -a -s "-screen 0 1920x1080x24" env QT_QPA_PLATFORM=xcb \\
        .venv/bin/python tests/qa/monkey.py OUT [--seed 1] [--steps 250]

Each step does what a user could: load an example, Train, Repeat, Undo, cross-validate, open a
workbook's sheet, or pick a
visible, enabled control of the window at random (a button, a check box, a combo box entry, a
number box at either end of its range or in between, a slider, a tab). Dialogs it opens are answered with their escape
or "no" button after 0.3 s; runs that go on for more than 10 s are stopped. It prints:

* ``EXCEPTION``: a Python exception raised in the event loop (a slot that failed), with the last
  actions before it;
* ``DIALOG``: each message box shown (what a user would have read) and each dialog opened;
* ``STALL``: each pass of the event loop longer than 1 s, and the GUI thread's stack when one
  passes 0.8 s (what froze the window).

OUT gets ``log.txt`` (every action, with the example loaded at the time) and a screenshot every 25
steps. Not a test: the same seed gives the same choices, but not the same timings. Found so far: a
frozen window after a Repeat of 65 seeds (Runs tab) and after training a 100,000-unit layer
(Inspector), losses that failed inside TensorFlow, a momentum box whose top was refused, a Health
histogram that failed a diverging run.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import threading
import time
import traceback

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QMessageBox,
    QSlider,
    QSpinBox,
    QTabBar,
    QWidget,
)

EXAMPLES = ["xor", "perceptron", "circles", "spiral", "digits", "churn", "house-prices"]
SKIP = {"Quit", "Delete", "Open data…", "Restore"}  # would end the session or need a file


class Monkey:
    def __init__(self, out: str, seed: int) -> None:
        from nnstudio.ui.main_window import MainWindow

        self.app = QApplication.instance()
        self.out, self.rng = out, random.Random(seed)
        self.actions: list[str] = []
        self.errors = self.dialogs = 0
        self.worst = (0.0, "")
        self.busy_since: float | None = None
        self.main_id = threading.get_ident()
        sys.excepthook = self.exception
        self.closer = QTimer()
        self.closer.timeout.connect(self.close_dialog)
        self.closer.start(300)
        self.workbook()  # written now: writing it in an action would count in that action's pass
        self.win = MainWindow()
        self.win.resize(1280, 720)
        self.win.show()
        threading.Thread(target=self.watchdog, daemon=True).start()
        self.log = open(os.path.join(out, "log.txt"), "w", encoding="utf-8")

    def last(self, n: int = 3) -> list[str]:
        return self.actions[-n:]

    def exception(self, kind, value, tb) -> None:
        self.errors += 1
        text = "".join(traceback.format_exception(kind, value, tb))
        print(f"EXCEPTION after {self.last(6)}\n{text[-2500:]}", flush=True)

    def close_dialog(self) -> None:
        w = self.app.activeModalWidget() or self.app.activePopupWidget()
        if w is None:
            return
        self.dialogs += 1
        text = w.text() if isinstance(w, QMessageBox) else f"{type(w).__name__} {w.windowTitle()}"
        print("DIALOG", text[:300].replace("\n", " | "), flush=True)
        if isinstance(w, QMessageBox):
            b = (w.button(QMessageBox.StandardButton.Discard) or w.button(QMessageBox.StandardButton.No)
                 or w.escapeButton() or w.defaultButton())
            b.click() if b else w.reject()
        elif isinstance(w, QDialog):
            w.reject()
        else:
            w.close()

    def watchdog(self) -> None:
        dumped, next_at = None, 0.8
        while True:
            time.sleep(0.25)
            since = self.busy_since
            if since != dumped:
                next_at = 0.8
            if since is not None and time.perf_counter() - since > next_at:
                # at 0.8 s, then every 2 s of the same pass: where a long pass spends its time
                dumped = since
                frame = sys._current_frames().get(self.main_id)
                stack = "".join(traceback.format_stack(frame)[-25:])
                print(f"STALL STACK (>{next_at:.1f} s) after {self.last(2)}\n{stack}", flush=True)
                next_at += 2.0

    def pump(self, seconds: float = 0.3) -> None:
        end = time.time() + seconds
        while time.time() < end:
            t0 = time.perf_counter()
            self.busy_since = t0
            self.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            self.busy_since = None
            d = time.perf_counter() - t0
            if d > self.worst[0]:
                self.worst = (d, self.actions[-1] if self.actions else "")
            if d > 1.0:
                print(f"STALL {d:.2f} s after {self.last(2)}; network "
                      f"{self.win.state.project.spec.compact()!r}", flush=True)
            time.sleep(0.01)

    def wait(self, cond, seconds: float) -> None:
        end = time.time() + seconds
        while not cond() and time.time() < end:
            self.pump(0.05)

    def controls(self) -> list[QWidget]:
        found = []
        for w in self.win.findChildren(QWidget):
            if not (w.isVisible() and w.isEnabled() and w.window() is self.win):
                continue
            if isinstance(w, (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider, QTabBar)):
                if isinstance(w, QAbstractButton) and w.text().replace("&", "") in SKIP:
                    continue
                found.append(w)
        return found

    def act_on(self, w: QWidget) -> None:
        rng = self.rng
        label = w.text() if isinstance(w, QAbstractButton) else (
            w.currentText() if isinstance(w, QComboBox) else "")
        d = f"{type(w).__name__}({label!r}, {w.objectName() or type(w.parent()).__name__})"
        if isinstance(w, QComboBox):
            model = w.model()
            enabled = [i for i in range(w.count())  # a greyed-out entry cannot be picked
                       if model.flags(model.index(i, w.modelColumn())) & Qt.ItemFlag.ItemIsEnabled]
            if enabled:
                j = rng.choice(enabled)
                self.actions.append(f"{d} -> {w.itemText(j)!r}")
                w.setCurrentIndex(j)
                w.activated.emit(j)
        elif isinstance(w, (QSpinBox, QDoubleSpinBox)):  # either end, or a value near the bottom
            lo, hi = w.minimum(), w.maximum()
            between = (rng.randint(lo, min(hi, lo + 200)) if isinstance(w, QSpinBox)
                       else rng.uniform(lo, min(hi, lo + 10)))
            v = rng.choice([lo, hi, between])
            self.actions.append(f"{d} -> {v:g}")
            w.setValue(v)
            w.editingFinished.emit()
        elif isinstance(w, QSlider):  # superqt's float sliders are QSliders with float ends
            lo, hi = w.minimum(), w.maximum()
            v = rng.randint(lo, hi) if isinstance(lo, int) and isinstance(hi, int) \
                else rng.uniform(lo, hi)
            self.actions.append(f"{d} slider -> {v}")
            w.setValue(v)
        elif isinstance(w, QTabBar):
            j = rng.randrange(w.count())
            self.actions.append(f"tab {w.tabText(j)}")
            w.setCurrentIndex(j)
        elif isinstance(w, QAbstractButton):
            self.actions.append(f"click {d}")
            w.click()

    def step(self) -> None:
        r, win = self.rng.random(), self.win
        if r < 0.04:
            name = self.rng.choice(EXAMPLES)
            self.actions.append(f"load example {name}")
            win.load_example(name)
        elif r < 0.10:
            self.actions.append("Train")
            win.training.start()
        elif r < 0.12:
            self.actions.append("Repeat 3")
            win.training.start_repeat(3)
        elif r < 0.15:
            if win.act_undo.isEnabled():  # as Ctrl+Z: not while a network trains
                self.actions.append(f"Undo ({win.undo_stack.undoText()})")
                win.act_undo.trigger()
        elif r < 0.17:
            self.actions.append("Cross-validate 3 folds")
            win.training.start_cross_validation(3)
        elif r < 0.19 and not win.training.busy:
            self.actions.append("Open the workbook")
            win.data_io.read(self.workbook())
        else:
            controls = self.controls()
            if controls:
                self.act_on(self.rng.choice(controls))

    def workbook(self) -> str:
        """A workbook of a cover sheet and a sheet of 400 customers (written once per session)."""
        path = os.path.join(self.out, "customers.xlsx")
        if not os.path.exists(path):
            import openpyxl

            wb = openpyxl.Workbook()
            wb.active.title = "Cover"
            wb.active.append(["Customers, exported for the monkey"])
            ws = wb.create_sheet("Customers")
            ws.append(["age", "balance", "plan", "joined", "left"])
            for i in range(400):
                age = 20 + (i * 37) % 50
                ws.append([age, round(1000 + (i * 7919) % 90000 / 3, 2), "abc"[i % 3],
                           f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}", "yes" if (age + i % 7) % 3 == 0 else "no"])
            wb.save(path)
        return path

    def run(self, steps: int) -> int:
        self.wait(lambda: self.win.state.tf_loaded, 60)
        for i in range(steps):
            try:
                self.step()
            except Exception:  # reported like one raised in the event loop
                self.exception(*sys.exc_info())
            if self.actions:
                self.log.write(f"{i} {self.win.state.project.example} {self.actions[-1]}\n")
                self.log.flush()
            self.pump(0.25)
            if self.win.training.busy and self.rng.random() < 0.7:
                self.wait(lambda: not self.win.training.busy, 10)
                if self.win.training.busy:
                    self.actions.append("Stop (running over 10 s)")
                    self.win.training.stop()
                    self.wait(lambda: not self.win.training.busy, 20)
            if i % 25 == 0:
                self.win.grab().save(os.path.join(self.out, f"step{i:04d}.png"))
        print(f"steps {steps}, exceptions {self.errors}, dialogs {self.dialogs}, longest event-loop "
              f"pass {self.worst[0]:.2f} s after {self.worst[1]!r}", flush=True)
        self.win.training.stop()
        self.win.pool.stop_all()
        return 1 if self.errors else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=250)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    from nnstudio.ui.app import create_app

    app = create_app(sys.argv[:1])  # as the app starts: one BLAS thread, the 0.2 ms switch interval …
    app.setOrganizationName("nnstudio-qa")  # its own settings and autosaves, not the user's
    app.setApplicationName("monkey")
    code = Monkey(args.out, args.seed).run(args.steps)
    os._exit(code)  # the window is left as it is: no save prompt


if __name__ == "__main__":
    sys.exit(main())
