"""The decision-surface view: equal to the model, live while training, slices, the teaching points, export."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nnstudio.core.data import Dataset, PreprocessConfig, Roles, SplitConfig
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task
from nnstudio.core.project import Project
from nnstudio.core.training.engine import TrainResult
from nnstudio.core.training.settings import TrainSettings
from nnstudio.ui.training.surface import view as surface_view_module


# ----- helpers -------------------------------------------------------------------------------------
def keras_on_grid(model, surf) -> np.ndarray:
    return model(surf.grid.X, training=False).numpy()


def wait_final_surface(qtbot, view, timeout=30_000):
    qtbot.waitUntil(lambda: view.last_surface is not None and bool(view.last_surface.meta.get("final")),
                    timeout=timeout)
    return view.last_surface


def train_in_window(window, qtbot, epochs: int, lr: float):
    window.state.project.settings.jit_compile = False  # a new architecture: skip the XLA compile
    tp = window.training_panel
    tp.epochs.setValue(epochs)
    tp.lr.setValue(lr)
    with qtbot.waitSignal(window.state.training_finished, timeout=180_000) as blocker:
        tp.train_btn.click()
    assert blocker.args[0].status == "completed", blocker.args[0].message
    return wait_final_surface(qtbot, window.surface)


def boundary_line_residual(seg: np.ndarray) -> float:
    """Largest distance of the boundary's points from their best straight line (0: a straight line)."""
    p = seg.reshape(-1, 2)
    c = p - p.mean(axis=0)
    return float(np.linalg.svd(c, compute_uv=False)[-1] / np.sqrt(len(p)))


def xor_truth(surf) -> np.ndarray:
    gx, gy = np.meshgrid(surf.grid.xs, surf.grid.ys)
    return ((gx > 0) ^ (gy > 0)).astype(int)


@pytest.fixture
def make_view(qtbot, tf_loaded):
    """A SurfaceView on its own AppState (no main window); its worker pool is drained afterwards."""
    from nnstudio.ui.app import create_app
    from nnstudio.ui.state import AppState
    from nnstudio.ui.training.surface.view import SurfaceView

    create_app()
    views = []

    def make(project: Project):
        state = AppState(project)
        view = SurfaceView(state)
        qtbot.addWidget(view)
        view.resize(640, 640)
        view.show()
        views.append(view)
        return view

    yield make
    for v in views:
        v.pool.stop_all()


def untrained(view, spec: NetworkSpec | None = None, seed: int = 5):
    """Give the view's state a built (untrained) model of its project, as a finished run would."""
    from nnstudio.core.model.build import build_model

    st = view.state
    prep = st.prepared()
    model = build_model(spec or st.project.spec, prep.n_inputs, prep.task, prep.n_classes, seed=seed)
    st.set_result(TrainResult(model=model, history={}, epochs_run=0, status="completed",
                              message="", seconds=0.0))
    return model


def blobs3(n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 5.0]])
    lab = np.repeat(np.arange(3), n // 3)
    xy = centres[lab] + rng.normal(0, 1.0, (len(lab), 2))
    return pd.DataFrame({"a": xy[:, 0], "b": xy[:, 1], "kind": np.array(["ant", "bee", "cat"])[lab]})


def regression_frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    x1, x2, x3 = rng.uniform(0, 100, n), rng.normal(5, 2, n), rng.uniform(-1, 1, n)
    color = rng.choice(["red", "green", "blue"], n, p=[0.2, 0.5, 0.3])
    y = 0.05 * x1 + x2 ** 2 + 3.0 * (color == "red") + x3
    return pd.DataFrame({"x1": x1, "x2": x2, "x3": x3, "color": color, "y": y})


# ----- XOR through the main window ---------------------------------------------------------------------
def test_surface_is_live_during_training_and_equals_the_final_model(window, qtbot):
    view = window.surface
    frames = []
    finished = []
    view.surface_updated.connect(lambda s: frames.append((s.meta.get("live", False), s.meta.get("epoch"),
                                                          bool(finished))))
    window.state.training_finished.connect(lambda r: finished.append(r))
    window.state.project.settings.jit_compile = False  # no XLA compile: the first frames come sooner
    tp = window.training_panel
    tp.epochs.setValue(100_000)
    tp.train_btn.click()
    # frames arrive while the run is going, for later and later epochs
    qtbot.waitUntil(lambda: len({e for live, e, done in frames if live and not done}) >= 3, timeout=120_000)
    with qtbot.waitSignal(window.state.training_finished, timeout=10_000):
        tp.stop_btn.click()
    live = [e for is_live, e, done in frames if is_live and not done]
    assert live == sorted(live) and len(set(live)) >= 3
    surf = wait_final_surface(qtbot, view)
    model = window.state.model
    # the final surface is the model's own prediction at every grid point
    np.testing.assert_allclose(surf.values.ravel(), keras_on_grid(model, surf)[:, 0], rtol=1e-4, atol=1e-5)
    # axes in original units: the view spans the raw data, the grid is encoded by the fitted scaler
    prep = window.state.prepared()
    raw_x = pd.concat([prep.raw_train, prep.raw_val])["x"]
    (x0, x1), _ = view.vb.viewRange()
    assert x0 < raw_x.min() < raw_x.max() < x1
    assert surf.grid.xs[0] == pytest.approx(x0) and surf.grid.xs[-1] == pytest.approx(x1)
    cx = prep.preprocessor.columns[0]
    np.testing.assert_allclose(surf.grid.X[: len(surf.grid.xs), 0], (surf.grid.xs - cx.center) / cx.scale,
                               rtol=1e-5)
    assert view.plot.getAxis("bottom").labelText == "x" and view.plot.getAxis("left").labelText == "y"
    # misclassified markers: exactly the training and validation rows (●) the model gets wrong
    X = np.vstack([prep.X_train, prep.X_val])
    y = np.concatenate([prep.y_train, prep.y_val])
    wrong = int(((model(X, training=False).numpy()[:, 0] >= 0.5).astype(int) != y).sum())
    assert view.last_misclassified["train"] == wrong
    assert f"misclassified: {wrong} train+val" in view.status_text
    n = len(X)  # ● counts the validation rows too, and says so (the Data tab's 600 training is less)
    assert f"● {n:,} training and validation rows" in view.caption.text()
    assert view.contour.getData()[0] is not None and len(view.contour.getData()[0]) > 0
    assert "test accuracy" in view.plot.titleLabel.text


def test_no_hidden_layer_gives_a_straight_boundary_and_fails_xor_hidden_layers_solve_it(window, qtbot):
    st = window.state
    st.project.spec = NetworkSpec([])
    st.notify_spec_changed()
    assert window.surface.last_surface is None  # the old model's surface is gone with the model
    linear = train_in_window(window, qtbot, epochs=60, lr=0.05)
    assert boundary_line_residual(linear.boundary) < 1e-4 * np.ptp(linear.grid.xs)
    assert (linear.winner == xor_truth(linear)).mean() < 0.8  # a straight line cannot do XOR

    st.project.spec = NetworkSpec([LayerSpec.dense(8, "relu"), LayerSpec.dense(6, "relu")])
    st.notify_spec_changed()
    deep = train_in_window(window, qtbot, epochs=120, lr=0.02)
    assert (deep.winner == xor_truth(deep)).mean() > 0.9  # the boundary bends around the quadrants
    assert boundary_line_residual(deep.boundary) > 0.05 * np.ptp(deep.grid.xs)
    np.testing.assert_allclose(deep.values.ravel(), keras_on_grid(st.model, deep)[:, 0], rtol=1e-4, atol=1e-5)
    # hovering reads the prediction off the surface: x > 0, y < 0 is class 1 in XOR
    from PySide6.QtCore import QPointF

    view = window.surface
    view.plot.scene().sigMouseMoved.emit(view.vb.mapViewToScene(QPointF(0.6, -0.6)))
    text = view.readout.text()
    i, j = np.abs(deep.grid.xs - 0.6).argmin(), np.abs(deep.grid.ys + 0.6).argmin()
    assert text.startswith("x = ") and f"P(class id = 1) = {deep.values[j, i]:.3f} → 1" in text


def test_export_image_from_file_menu_and_plot_menu(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QFileDialog

    target = {"path": str(tmp_path / "xor-surface")}
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (target["path"], "PNG image (*.png)"))
    window.act_export_image.trigger()
    out = tmp_path / "xor-surface.png"
    assert out.exists()
    img = QImage(str(out))
    assert not img.isNull() and img.width() >= window.surface.glw.width()
    target["path"] = str(tmp_path / "from-menu.png")
    assert window.surface.export_action in window.surface.vb.menu.actions()
    window.surface.export_action.trigger()
    assert not QImage(str(tmp_path / "from-menu.png")).isNull()
    target["path"] = str(tmp_path / "no" / "such" / "folder" / "x.png")
    window.surface.export_action.trigger()
    level, text = window.last_message
    assert level == "error" and "Could not write the image" in text


def test_axes_cannot_show_the_same_feature_twice(window):
    view = window.surface
    view.x_combo.setCurrentText("y")
    assert view.axes == ("y", "x") and view.y_combo.currentText() == "x"
    assert view.plot.getAxis("bottom").labelText == "y"
    assert not view.held_box.isVisible()  # two features: a plane, not a slice
    assert view.slice_text == "" and view.slice_label.text == ""


# ----- multi-class and regression on small projects ---------------------------------------------------------
def test_multiclass_renders_class_colours_lightened_by_confidence(make_view, qtbot):
    from nnstudio.ui.common.colors import class_color, class_image, tint

    proj = Project(Dataset(blobs3(), "blobs"), Roles("kind", ["a", "b"]),
                   NetworkSpec([LayerSpec.dense(8, "tanh")]), TrainSettings(epochs=5))
    view = make_view(proj)
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        model = untrained(view)
    surf = view.last_surface
    assert surf.task is Task.MULTICLASS
    np.testing.assert_allclose(surf.probs.reshape(-1, 3), keras_on_grid(model, surf), rtol=1e-4, atol=1e-5)
    assert view.rgb_image.isVisible() and not view.image.isVisible()
    rgb = view.rgb_image.image
    assert rgb.shape == (*surf.grid.shape, 3)
    np.testing.assert_array_equal(rgb, class_image(surf.winner, surf.values, 3, False))
    # the most confident pixel of a class is closer to the class colour than its least confident one
    for k in np.unique(surf.winner):
        m = surf.winner == k
        target = np.array(pg_rgb(class_color(k)))
        conf = np.where(m, surf.values, np.nan)
        hi, lo = np.unravel_index(np.nanargmax(conf), conf.shape), np.unravel_index(np.nanargmin(conf), conf.shape)
        assert np.abs(rgb[hi] - target).sum() <= np.abs(rgb[lo] - target).sum()
    assert "confidence" in view.color_bar.getAxis("left").labelText
    names = [lab.text for _, lab in view.legend.items]
    assert {"kind = ant", "kind = bee", "kind = cat"} <= set(names)
    # discretized: one flat colour per class
    view.discretize.setChecked(True)
    rgb = view.rgb_image.image.astype(int)
    for k in np.unique(surf.winner):
        flat = rgb[surf.winner == k]
        assert np.all(np.abs(flat - np.array(tint(class_color(k), 0.4))) <= 1)


def pg_rgb(color: str):
    import pyqtgraph as pg

    c = pg.mkColor(color)
    return c.red(), c.green(), c.blue()


def test_regression_slice_with_a_categorical_feature(make_view, qtbot, monkeypatch, tmp_path):
    proj = Project(Dataset(regression_frame(), "reg"), Roles("y", ["x1", "x2", "x3", "color"]),
                   NetworkSpec([LayerSpec.dense(6, "relu")]), TrainSettings(epochs=5),
                   PreprocessConfig(), SplitConfig(test=0.2, val=0.2, seed=0))
    view = make_view(proj)
    assert view.axes == ("x1", "x2")
    assert view.held_box.isVisible() and "2 features" in view.held_box.title()
    prep = view.state.prepared()
    assert view.held_values["x3"] == pytest.approx(float(prep.raw_train["x3"].median()))
    assert view.held_values["color"] == prep.raw_train["color"].value_counts().idxmax()
    slider = view.held_box.widgets["x3"]
    assert slider.minimum() == pytest.approx(prep.raw_train["x3"].min(), abs=1e-3)
    assert slider.maximum() == pytest.approx(prep.raw_train["x3"].max(), abs=1e-3)
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        model = untrained(view)
    surf = view.last_surface
    assert surf.task is Task.REGRESSION and view.image.isVisible()
    np.testing.assert_allclose(surf.values.ravel(), keras_on_grid(model, surf)[:, 0], rtol=1e-4, atol=1e-5)
    assert view.color_bar.getAxis("left").labelText == "predicted y"
    assert "A slice" in view.slice_text and "(most frequent)" in view.slice_text
    assert view.slice_label.text == ""  # on screen the panel of held values says it
    seen = []
    monkeypatch.setattr(surface_view_module, "export_png",
                        lambda widget, path, scale: seen.append(view.slice_label.text))
    view.export_png(str(tmp_path / "slice.png"))
    assert seen == [view.slice_text] and view.slice_label.text == ""  # the image carries it
    assert "A slice" in view.caption.text()
    names = prep.preprocessor.output_names
    red = names.index("color=red")
    assert np.all(surf.grid.X[:, red] == 0.0)  # held at the most frequent colour, which is not red
    # hold the category at another value: the one-hot input changes, and the surface follows the model
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        view.set_held_value("color", "red")
    surf = view.last_surface
    assert np.all(surf.grid.X[:, red] == 1.0)
    np.testing.assert_allclose(surf.values.ravel(), keras_on_grid(model, surf)[:, 0], rtol=1e-4, atol=1e-5)
    assert "color = red." in view.slice_text
    # another axis: the old axis feature becomes a held one
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        view.set_axes("x3", "x2")
    assert view.last_surface.grid.spec.x == "x3" and "x1" in view.held_values
    assert "x1" in view.held_box.widgets and "x3" not in view.held_box.widgets


def test_frames_are_computed_off_the_gui_thread_when_expensive(make_view, qtbot, monkeypatch):
    from nnstudio.ui.training.surface import frames as surface_frames

    monkeypatch.setattr(surface_frames, "INLINE_BUDGET_S", 0.0)  # every frame counts as expensive
    proj = Project(Dataset(blobs3(), "blobs"), Roles("kind", ["a", "b"]),
                   NetworkSpec([LayerSpec.dense(8, "tanh")]), TrainSettings(epochs=5))
    view = make_view(proj)
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        model = untrained(view)
    assert view.inline_frames == 0 and view.frames == 1
    np.testing.assert_allclose(view.last_surface.probs.reshape(-1, 3), keras_on_grid(model, view.last_surface),
                               rtol=1e-4, atol=1e-5)


def test_too_few_numeric_features_is_explained(make_view):
    frame = pd.DataFrame({"size": np.arange(40.0), "shape": ["round", "square"] * 20,
                          "label": [0, 1] * 20})
    view = make_view(Project(Dataset(frame, "one"), Roles("label", ["size", "shape"])))
    assert "needs two numeric features" in view.caption.text() and "(size)" in view.caption.text()
    untrained(view)  # trained: the title said "Computing the surface…" above that caption, for good
    assert view.plot.titleLabel.text == ""
    assert not view.x_combo.isEnabled() and view.scatters == []


def test_or_truth_table_is_drawn_on_its_plane_with_room_around_the_corners(make_view):
    """OR's 0/1 columns were refused as axes (no surface for the perceptron's lesson); its four
    corner points sat on the plot's edge, one under the status line."""
    view = make_view(Project.from_example("or"))
    assert view.axes == ("x1", "x2") and view.x_combo.isEnabled()
    (x0, x1), (y0, y1) = view.vb.viewRange()
    assert x0 == pytest.approx(-0.25, abs=0.02) and x1 == pytest.approx(1.25, abs=0.02)
    assert y0 == pytest.approx(-0.25, abs=0.02) and y1 == pytest.approx(1.25, abs=0.02)


def test_long_column_names_are_cut_on_the_axes_and_the_held_sliders(make_view):
    """A weather file's "wind speed (km/h) — gusts included, averaged over the whole day" pushed
    its slider out of the slice panel, and the x title ran under the colour bar."""
    from PySide6.QtWidgets import QFormLayout

    long_x = "mean daily temperature measured at the station (°C)"
    long_held = "wind speed (km/h) — gusts included, averaged over the whole day"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({long_x: rng.normal(size=120), "rain": rng.normal(size=120),
                          long_held: rng.normal(size=120), "label": [0, 1] * 60})
    view = make_view(Project(Dataset(frame, "weather"), Roles("label", [long_x, "rain", long_held])))
    assert view.axes == (long_x, "rain") and view.x_combo.currentText() == long_x
    title = view.plot.getAxis("bottom").labelText
    assert title.endswith("…") and len(title) <= 36 and long_x.startswith(title[:-1])
    form = view.held_box.form
    label = form.itemAt(0, QFormLayout.ItemRole.LabelRole).widget()
    assert label.text().endswith("…") and len(label.text()) <= 24 and label.toolTip() == long_held


def test_a_whole_number_column_is_held_and_slid_in_whole_numbers(make_view):
    """A house file's year built was held at 1970.50 on a slider of two decimals."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"sqft": rng.normal(2000, 500, 120), "rooms": rng.normal(size=120),
                          "built": np.tile(np.arange(1950, 2010), 2).astype(float),
                          "label": [0, 1] * 60})
    view = make_view(Project(Dataset(frame, "houses"), Roles("label", ["sqft", "rooms", "built"])))
    slider = view.held_box.widgets["built"]
    assert slider.decimals() == 0 and float(slider.value()).is_integer()


def test_thirty_classes_leave_the_plane_its_room(make_view):
    """30 species with long names: the legend under the plot listed twelve of them a row each and
    the plane itself was squeezed to nothing at 1280 x 720. The legend keeps to a few rows, cuts
    long class names to fit two columns and counts the classes it does not name."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 30, 900)
    frame = pd.DataFrame(rng.normal(size=(900, 2)) + y[:, None], columns=["a", "b"])
    frame["species"] = [f"species_{i:02d}_with_a_long_latin_name" for i in y]
    view = make_view(Project(Dataset(frame, "many"), Roles("species", ["a", "b"])))
    view.resize(430, 560)
    names = [lab.text for _, lab in view.legend.items]
    more = [n for n in names if n.startswith("+ ")]
    named = [n for n in names if n.startswith("species_")]
    assert len(more) == 1 and more[0] == f"+ {30 - len(named)} more", names
    assert named[0] == "species_00_with…" and 1 <= len(named) <= 6
    assert all(len(n) <= 16 for n in named + more)
    assert view.legend.layout.rowCount() <= 4 and view.legend.columnCount == 2
    # a few short classes are all named, as before
    small = make_view(Project(Dataset(blobs3(), "blobs"), Roles("kind", ["a", "b"])))
    assert {"kind = ant", "kind = bee", "kind = cat"} <= {lab.text for _, lab in small.legend.items}
    assert not any(lab.text.startswith("+ ") for _, lab in small.legend.items)


def test_the_legend_keeps_to_the_columns_that_fit_under_the_plane(make_view, qtbot):
    """A wine file's six classes at 1280 x 720: three columns of "quality = 5" ran under the
    colour bar and the third column's names were cut off. The legend takes the columns that fit
    under the plane, and more again when the view is wider."""
    rng = np.random.default_rng(0)
    y = rng.integers(3, 9, 600)
    frame = pd.DataFrame(rng.normal(size=(600, 2)) + y[:, None], columns=["acidity", "alcohol"])
    frame["quality"] = y
    view = make_view(Project(Dataset(frame, "wine"), Roles("quality", ["acidity", "alcohol"])))
    view.resize(430, 560)
    qtbot.waitUntil(lambda: view.legend.columnCount == 2, timeout=3000)
    qtbot.waitUntil(lambda: view.legend.preferredWidth() <= view.vb.width() + 1, timeout=3000)
    assert {f"quality = {q}" for q in range(3, 9)} <= {lab.text for _, lab in view.legend.items}
    view.resize(900, 560)
    qtbot.waitUntil(lambda: view.legend.columnCount == 3, timeout=3000)
    # a regression then drawn in the same view plans its own two columns, not the classifier's
    view.state.set_project(Project(Dataset(regression_frame(), "reg"),
                                   Roles("y", ["x1", "x2", "x3", "color"])))
    qtbot.waitUntil(lambda: view.legend.columnCount <= 2 and len(view.legend.items) >= 1,
                    timeout=3000)
    view.resize(1000, 560)
    qtbot.wait(50)
    assert view.legend.columnCount <= 2


def test_many_short_classes_name_only_those_the_columns_that_fit_can_hold(make_view, qtbot):
    """26 letters at 1280 x 720: the plan of four columns of "lettr = A" held 13 names, but only
    three columns fit under the plane, and the fourth ran under the colour bar. The legend names
    the letters the fitting columns hold (and counts the rest), and more again when wider."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 26, 1300)
    frame = pd.DataFrame(rng.normal(size=(1300, 2)) + y[:, None], columns=["xbar", "ybar"])
    frame["lettr"] = [chr(65 + i) for i in y]
    view = make_view(Project(Dataset(frame, "letters"), Roles("lettr", ["xbar", "ybar"])))

    def shown():
        names = [lab.text for _, lab in view.legend.items]
        named = [n for n in names if n.startswith("lettr = ")]
        more = [n for n in names if n.startswith("+ ")]
        return names, named, more
    view.resize(430, 560)
    qtbot.waitUntil(lambda: view.legend.preferredWidth() <= view.vb.width() + 1, timeout=3000)
    names, named, more = shown()
    assert more == [f"+ {26 - len(named)} more"] and view.legend.layout.rowCount() <= 4, names
    narrow = len(named)
    view.resize(1000, 560)
    qtbot.waitUntil(lambda: len(shown()[1]) > narrow, timeout=3000)
    assert view.legend.preferredWidth() <= view.vb.width() + 1
    assert shown()[2] == [f"+ {26 - len(shown()[1])} more"]
    # twelve letters, all named in the four columns planned, where only two fit
    twelve = frame[frame["lettr"] < "M"].reset_index(drop=True)
    view.state.set_project(Project(Dataset(twelve, "twelve"), Roles("lettr", ["xbar", "ybar"])))
    view.resize(430, 560)
    qtbot.waitUntil(lambda: len(shown()[0]) > 0 and view.legend.preferredWidth() <= view.vb.width() + 1,
                    timeout=3000)
    assert shown()[2] == [f"+ {12 - len(shown()[1])} more"]


def test_a_model_trained_while_the_view_was_hidden_is_not_called_untrained(make_view, qtbot):
    """Trained on another tab: until its surface is drawn, the view says it is computing it, not
    'Not trained yet' (the digits surface takes a moment)."""
    proj = Project(Dataset(blobs3(), "blobs"), Roles("kind", ["a", "b"]),
                   NetworkSpec([LayerSpec.dense(8, "tanh")]), TrainSettings(epochs=5))
    view = make_view(proj)
    assert view.plot.titleLabel.text.startswith("Not trained yet")
    view.hide()
    untrained(view)
    assert view.last_surface is None  # nothing is computed for a hidden view
    assert view.plot.titleLabel.text == "Computing the surface…"
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        view.show()
    assert view.plot.titleLabel.text.startswith("Trained model")


def test_a_run_that_diverged_is_not_called_a_trained_model(make_view, qtbot):
    """SGD on house prices diverged in its first epoch and kept the starting weights; the surface
    above them was titled "Trained model · test MAE 172.9". It says which weights it shows."""
    proj = Project(Dataset(blobs3(), "blobs"), Roles("kind", ["a", "b"]),
                   NetworkSpec([LayerSpec.dense(8, "tanh")]), TrainSettings(epochs=5))
    view = make_view(proj)
    for done, title in ((0, "Untrained: diverged in epoch 1"), (3, "Epoch 3, before it diverged")):
        model = untrained(view)
        with qtbot.waitSignal(view.surface_updated, timeout=30_000):
            view.state.set_result(TrainResult(model=model, history={}, epochs_run=done,
                                              status="diverged", message="", seconds=0.0))
        assert view.plot.titleLabel.text == title


def test_misclassified_rings_are_drawn_in_no_class_colour(make_view, qtbot):
    """Four classes: the fourth is drawn red, and so were the rings round misclassified rows; on a
    3,000-row file the 923 rings made a red blob the legend read as class 'D' too. With a class in
    red the rings are black; with fewer classes they stay red."""
    from nnstudio.ui.common.colors import class_color

    four = blobs3(120).assign(kind=np.array(["ant", "bee", "cat", "dog"])[np.arange(120) % 4])
    for frame, k in ((blobs3(), 3), (four, 4)):
        view = make_view(Project(Dataset(frame, "blobs"), Roles("kind", ["a", "b"]),
                                 NetworkSpec([LayerSpec.dense(4, "tanh")]), TrainSettings(epochs=2)))
        with qtbot.waitSignal(view.surface_updated, timeout=30_000):
            untrained(view)
        ring = view.miss_scatter.opts["pen"].color().name()
        assert ring not in {class_color(i, k) for i in range(k)}, (k, ring)
        assert (ring == "#d62728") == (k == 3)
        legend = [item for item, label in view.legend.items if label.text == "misclassified"][0]
        assert legend.item.opts["pen"].color().name() == ring
        assert f"color:{ring}" in view.caption.text()


def test_a_slice_of_many_features_has_one_control_for_the_feature_picked(make_view, qtbot):
    """A pixel CSV's surface held 684 features, each with a slider built at once: the window
    froze for 2.5 s, and the panel was a 120-pixel scroll of sliders. Beyond MAX_CONTROLS held
    features the panel has one control, for the feature picked in a list; every feature keeps
    its value, and Reset puts back those set while not on screen."""
    from superqt import QLabeledDoubleSlider

    from nnstudio.ui.training.surface import held as held_module

    rng = np.random.default_rng(0)
    n_features = held_module.MAX_CONTROLS + 28
    frame = pd.DataFrame(rng.normal(size=(200, n_features)),
                         columns=[f"p{i}" for i in range(n_features)])
    frame["y"] = (frame["p0"] + frame["p1"] > 0).astype(int)
    proj = Project(Dataset(frame, "wide"), Roles("y", list(frame.columns[:-1])),
                   NetworkSpec([LayerSpec.dense(4, "relu")]), TrainSettings(epochs=2))
    view = make_view(proj)
    box = view.held_box
    assert view.axes == ("p0", "p1")
    assert len(box.findChildren(QLabeledDoubleSlider)) == 1 and list(box.widgets) == ["p2"]
    assert box.picker.count() == n_features - 2 and f"{n_features - 2} other features" in box.title()
    # its title sets the box's least width: the whole sentence made the Training tab scroll
    # sideways at 1280 x 720 (digits); the surface side has about 500 pixels there
    assert box.minimumSizeHint().width() <= 420, box.minimumSizeHint().width()
    median = view.held_values["p30"]
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        untrained(view)
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        view.set_held_value("p30", median + 0.5)  # not on screen: held all the same
    assert view.held_values["p30"] == median + 0.5 and "p30" in view.slice_text
    box.picker.setCurrentIndex(box.held.index("p30"))
    assert list(box.widgets) == ["p30"] and len(box.findChildren(QLabeledDoubleSlider)) == 1
    assert box.widgets["p30"].value() == pytest.approx(median + 0.5, abs=1e-3)
    box.picker.setCurrentIndex(box.held.index("p7"))
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        view.reset_held_values()
    assert view.held_values["p30"] == pytest.approx(median)


def test_a_boundary_of_thousands_of_segments_is_drawn_with_a_thin_pen(make_view, qtbot):
    """A network whose output is flat at 0.5 (float noise either side) gives a "boundary" in
    almost every cell: 14,000 segments stroked with a 2-pixel antialiased pen took 0.37 s a frame,
    15 frames a second while training. Beyond WIDE_PEN_POINTS segments the pen is 1 pixel."""
    from dataclasses import replace

    from nnstudio.core.surface import contour_segments
    from nnstudio.ui.common.plots import WIDE_PEN_POINTS

    view = make_view(Project.from_example("xor"))
    with qtbot.waitSignal(view.surface_updated, timeout=30_000):
        untrained(view)
    surf = view.last_surface
    assert 0 < len(surf.boundary) <= WIDE_PEN_POINTS and view.contour.opts["pen"].widthF() == 2.0
    noise = 0.5 + 1e-7 * np.random.default_rng(0).standard_normal(surf.values.shape)
    flat = replace(surf, values=noise, boundary=contour_segments(noise, 0.5, surf.grid.xs, surf.grid.ys))
    assert len(flat.boundary) > WIDE_PEN_POINTS
    view._draw_surface(flat)
    assert view.contour.opts["pen"].widthF() == 1.0
    assert len(view.contour.getData()[0]) == 2 * len(flat.boundary)
