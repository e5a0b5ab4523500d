"""Issue 16, the first hour of a new user: nothing lost by accident, every view current (or saying
it is not), everything visible on a laptop screen."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication


def _wheel(widget, notches: int = 1) -> None:
    """One wheel turn over ``widget`` (as the mouse would deliver it: to the widget under it)."""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                     QPoint(0, 120 * notches), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def _train(window, qtbot, epochs: int = 3):
    window.training_panel.epochs.setValue(epochs)
    with qtbot.waitSignal(window.state.training_finished, timeout=90_000) as blocker:
        window.training_panel.train_btn.click()
    return blocker.args[0]


# ----- 1. the wheel does not edit the model --------------------------------------------------------
def test_wheel_over_unfocused_fields_changes_nothing(window, qtbot):
    tp, layers = window.training_panel, window.layers
    layers.select_row(0)
    fields = [tp.lr, tp.epochs, tp.optimizer, layers.l2, layers.units, layers.activation]
    before = [f.value() if hasattr(f, "value") else f.currentIndex() for f in fields]
    spec = window.state.project.spec.to_dict()
    lr = window.state.project.settings.learning_rate
    window.setFocus()
    for f in fields:
        assert not f.hasFocus()
        _wheel(f, -1)
        _wheel(f, 1)
        _wheel(f, 1)
    after = [f.value() if hasattr(f, "value") else f.currentIndex() for f in fields]
    assert after == before
    assert window.state.project.spec.to_dict() == spec
    assert window.state.project.settings.learning_rate == lr
    assert window.undo_stack.count() == 0


def test_wheel_over_a_dialogs_unfocused_fields_changes_nothing(window, qtbot, tmp_path):
    """The dialogs are made after the window guarded its fields: they guard their own (the sweep's
    seeds, the CSV import's delimiter and header choices)."""
    from PySide6.QtWidgets import QAbstractSpinBox, QComboBox

    from nnstudio.ui.data.csv_dialog import CsvImportDialog
    from nnstudio.ui.experiments.install import show_sweep_dialog

    path = tmp_path / "t.csv"
    path.write_text("a;b;c\n1;2;x\n3;4;y\n")
    sweep = show_sweep_dialog(window)
    csv = CsvImportDialog(path, parent=window)
    for dlg in (sweep, csv):
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        fields = dlg.findChildren(QAbstractSpinBox) + dlg.findChildren(QComboBox)
        assert fields
        dlg.setFocus()
        for f in fields:
            before = f.value() if hasattr(f, "value") else f.currentIndex()
            f.clearFocus()
            _wheel(f, -1)
            _wheel(f, 1)
            _wheel(f, 1)
            assert (f.value() if hasattr(f, "value") else f.currentIndex()) == before, f
        dlg.close()


def test_wheel_still_edits_a_field_the_user_clicked_into(window, qtbot):
    tp = window.training_panel
    window.activateWindow()
    tp.epochs.setFocus()
    qtbot.waitUntil(tp.epochs.hasFocus, timeout=2_000)
    _wheel(tp.epochs, 1)
    assert tp.epochs.value() == 101


def test_wheel_over_a_field_scrolls_the_left_panel_instead(window, qtbot):
    window.resize(1280, 560)
    QApplication.processEvents()
    area = window.layers.l2
    while area is not None and not hasattr(area, "verticalScrollBar"):
        area = area.parentWidget()
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(0)
    _wheel(window.layers.l2, -3)  # downwards
    assert bar.value() > 0
    assert window.layers.l2.value() == 0


# ----- 1b. an edit never silently discards a trained model ----------------------------------------
def test_a_network_edit_sets_the_model_aside_and_undo_brings_it_back(window, qtbot, tf_loaded):
    result = _train(window, qtbot)
    assert window.state.model is result.model
    window.layers.change_units(0, +1)
    assert window.state.model is None  # it does not fit the new network
    assert window.curves.stale and "previous network" in window.curves.loss_plot.titleLabel.text
    assert "Not trained yet — the network changed" in window.training_panel.progress.format()
    assert window.training_panel.result.text() == ""
    window.act_undo.trigger()
    assert window.state.model is result.model  # back, with its network
    assert window.state.result is result
    assert window.curves.epochs_shown == result.epochs_run and not window.curves.stale
    assert "Test accuracy" in window.training_panel.result.text()
    window.act_redo.trigger()
    assert window.state.model is None


def test_undo_does_not_bring_back_a_model_trained_on_other_data(window, qtbot, tf_loaded):
    _train(window, qtbot)
    window.layers.change_units(0, +1)
    p = window.state.project
    p.split.test_fraction = 0.3
    window.state.notify_data_changed()
    window.act_undo.trigger()
    assert window.state.model is None


# ----- 2. switching data, network or example leaves nothing stale ---------------------------------
def test_switching_data_clears_curves_summary_and_legends(window, qtbot, tf_loaded):
    _train(window, qtbot)
    assert window.curves.epochs_shown == 3
    legend = window.curves.loss_plot.legend
    assert legend.getLabel(window.curves.curves["val_loss"]) is not None
    window.training_panel.result.setText("<b>5 runs (seeds 0–4): test accuracy 0.956</b>")
    window.load_example("perceptron")
    assert window.curves.epochs_shown == 0
    assert legend.getLabel(window.curves.curves["val_loss"]) is None  # no old "validation" entry
    assert window.training_panel.result.text() == ""
    assert window.state.model is None
    assert window.surface._title.startswith("Not trained")
    # a role/split change of the same data: the curves of the old data go too
    _train(window, qtbot)
    window.state.project.split.test_fraction = 0.3
    window.state.notify_data_changed()
    assert window.curves.epochs_shown == 0
    assert "the data changed" in window.training_panel.progress.format()


def test_the_header_says_synthetic_once(window):
    window.load_example("churn")
    assert window.dataset_label.text().count("synthetic") == 1


def test_a_new_csv_keeps_a_network_the_user_edited(window, qtbot, tmp_path):
    from nnstudio.ui.data.controller import load_project

    window.layers.change_units(0, +2)  # XOR's net, edited: it is the user's now
    csv = tmp_path / "t.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(40)))
    import threading

    loaded = load_project(csv, None, lambda _p: None, threading.Event(),
                          keep_from=window.state.project)
    assert [l.units for l in loaded.project.spec.hidden] == [8, 4]
    assert loaded.reset_from and "settings" in loaded.reset_from and "network" not in loaded.reset_from
    assert loaded.project.settings.epochs == 50


# ----- 3. a pace to watch it learn -------------------------------------------------------------------
def test_slow_pace_reports_epoch_by_epoch_and_max_is_unpaced(window, qtbot, tf_loaded):
    from nnstudio.ui.training.pace import PACES

    window.training_toolbar.set_pace("slow")
    assert window.training.pace == PACES["slow"][1]
    seen = []
    window.state.training_progress.connect(lambda p: seen.append(len(p.new_rows.get("loss", []))))
    r = _train(window, qtbot, epochs=6)
    assert r.epochs_run == 6 and seen and max(seen) <= 1  # each report one epoch: drawn one by one
    window.training_toolbar.set_pace("max")
    assert window.training.pace is None


# ----- 4. a laptop screen ------------------------------------------------------------------------------
def test_the_window_fits_1280_x_720(window):
    for ex in ("churn", "digits", "xor"):  # the tallest Data tab, the widest inspector
        window.load_example(ex)
        QApplication.processEvents()
        m = window.minimumSizeHint().expandedTo(window.minimumSize())
        assert m.width() <= 1280 and m.height() <= 720 - 40, ex  # 40 px for the title bar
    bar = window.training_toolbar
    assert bar.sizeHint().width() <= 1280
    tp = window.training_panel
    for b in (tp.train_btn, tp.pause_btn, tp.step_btn, tp.stop_btn, tp.repeat_btn):
        assert b.parentWidget() is bar and b.isVisible()
    # the left panel folds away for the wide tabs (View menu, F9); the toolbar stays
    window.act_left_panel.trigger()
    assert not window.left_panel.isVisible() and tp.train_btn.isVisible()
    window.act_left_panel.trigger()
    assert window.left_panel.isVisible()


def test_every_tab_page_scrolls_instead_of_growing_the_window(window):
    from nnstudio.ui.common.scroll_tabs import ScrollTabs

    for i in range(window.tabs.count()):
        page = window.tabs.widget(i)
        assert ScrollTabs.scroll_area(page) is not None
        assert window.tabs.indexOf(page) == i


# ----- 5. plots that show what they hold ---------------------------------------------------------------
def test_a_constant_accuracy_curve_is_inside_the_plot_and_the_axis_is_stable(window):
    curves = window.curves
    curves.set_history({"loss": [0.3] * 20, "accuracy": [1.0] * 20, "val_accuracy": [1.0] * 20,
                        "val_loss": [0.3] * 20})
    QApplication.processEvents()
    lo, hi = curves.metric_plot.getViewBox().viewRange()[1]
    assert lo < 1.0 - 0.01 and hi > 1.0 + 0.01  # a line at 1.0 is drawn, with room above it
    assert lo < 0.0  # and 0 is in view too: the whole accuracy scale
    curves.set_history({"loss": [0.6, 0.5], "accuracy": [0.55, 0.6]})
    QApplication.processEvents()
    assert curves.metric_plot.getViewBox().viewRange()[1] == [lo, hi]  # the same axis run to run


def test_long_class_names_fit_the_confusion_matrix(qtbot):
    from nnstudio.ui.evaluation.widgets import ConfusionMatrixView

    names = ["Adelie Penguin (Pygoscelis adeliae)", "Chinstrap penguin (Pygoscelis antarctica)",
             "Gentoo penguin (Pygoscelis papua)"] + [f"a rather long class name number {i}" for i in range(5)]
    view = ConfusionMatrixView()
    qtbot.addWidget(view)
    view.resize(420, 320)
    view.show()
    counts = np.arange(64).reshape(8, 8) * 37
    view.show_matrix(counts, names)
    QApplication.processEvents()
    fm = view.fontMetrics()
    need = max(fm.horizontalAdvance(t) for t in ("100.0%", f"{int(counts.max()):,}"))
    for j in range(8):
        assert view.columnWidth(j) >= need + 8  # "1,234\n12.5%" never squeezed to "12 …"
        assert view.rowHeight(j) >= 2 * fm.height()
        head = view.horizontalHeaderItem(j)
        assert len(head.text().split("\n")[-1]) <= view.MAX_LABEL_CHARS
        assert names[j] in head.toolTip()  # the whole name, on hover
    assert view.verticalHeader().width() < 200  # long names do not eat the grid
    assert view.horizontalScrollBar().maximum() > 0  # eight classes in 420 px: it scrolls


def test_data_tab_legends_sit_beside_the_data_not_on_it(window):
    window.load_example("churn")
    dp = window.data_panel
    dp.refresh_scatter()
    for tab, legend, plot in ((1, dp.scatter_box.scatter_legend, dp.scatter_box.scatter),
                              (0, dp.column_box.hist_legend, dp.column_box.hist)):
        dp.detail_tabs.setCurrentIndex(tab)
        QApplication.processEvents()
        vb = plot.getPlotItem().getViewBox()
        assert legend.items
        assert not legend.sceneBoundingRect().intersects(vb.sceneBoundingRect())


# ----- 6. small things ---------------------------------------------------------------------------------
def test_help_menu_has_docs_shortcuts_and_lessons(window, qtbot):
    texts = [a.text().replace("&", "") for a in window.help_menu.actions()]
    assert "Documentation" in texts and "Keyboard shortcuts" in texts and "About nnstudio" in texts
    from nnstudio.ui.project import help as help_menu

    docs = help_menu.docs_dir()
    assert docs is not None
    dlg = help_menu.show_doc(window, docs / "data.md")
    qtbot.addWidget(dlg)
    assert "Data" in dlg.windowTitle() and len(dlg.browser.toPlainText()) > 200
    shortcuts = help_menu.shortcuts_html(window)
    assert "Ctrl+T" in shortcuts and "Train" in shortcuts
    assert "XOR" in help_menu.lessons_html()


def test_training_shortcuts_work_app_wide(window):
    for act in (window.act_train, window.act_pause, window.act_step, window.act_stop):
        assert act.shortcutContext() == Qt.ShortcutContext.ApplicationShortcut


def test_focus_does_not_jump_to_the_learning_rate_when_training_starts(window, qtbot, tf_loaded):
    tp = window.training_panel
    window.activateWindow()
    tp.epochs.setFocus()
    qtbot.waitUntil(tp.epochs.hasFocus, timeout=2_000)
    _train(window, qtbot, epochs=2)
    assert not tp.lr.hasFocus()


@pytest.mark.parametrize(("name", "stem"), [
    ("Bank customer churn (synthetic)", "Bank customer churn"),
    ("penguins-raw.csv", "penguins-raw"),
    ("sales.tsv.gz", "sales"),
    ("XOR (deep net)", "XOR"),
])
def test_default_project_file_names(window, name, stem):
    from nnstudio.ui.project.naming import default_project_stem

    window.state.project.dataset.name = name
    assert default_project_stem(window.state.project) == stem


def test_relaunch_offers_the_last_project_without_blocking(window, tmp_path, monkeypatch):
    from nnstudio.ui.project.reopen import offer_last_project

    path = tmp_path / "mine.nnstudio"
    path.write_text("{}")
    window.project_actions.add_recent(path)
    opened = []
    monkeypatch.setattr(window.project_actions, "open_recent", lambda p: opened.append(p) or True)
    offer = offer_last_project(window)
    assert offer is not None and "mine.nnstudio" in offer.label.text()
    offer.button.click()
    assert opened == [str(path.resolve())]
    assert window.reopen_offer is None
