"""The project commands' questions: save unsaved changes?, where is the moved data file?"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from nnstudio.core import project_file
from nnstudio.core.data.csv import FILE_FILTER


def ask_unsaved(parent: QWidget, display_name: str) -> str:
    """Save / Discard / Cancel for unsaved changes: returns 'save', 'discard' or 'cancel'."""
    box = QMessageBox(QMessageBox.Icon.Warning, "nnstudio",
                      f"Do you want to save the changes to {display_name}?",
                      QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                      | QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText("Your changes will be lost if you don't save them.")
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(
        QMessageBox.StandardButton(answer), "cancel")


def ask_data_location(parent: QWidget, err: project_file.MissingDataError) -> str | None:
    """Ask for the new place of a project's data file; None when the user cancels."""
    unlisted = isinstance(err, project_file.UnlistedDataError)  # not a table: not read unasked
    wrong = isinstance(err, project_file.WrongColumnsError)  # there, but not the project's columns
    box = QMessageBox(QMessageBox.Icon.Question, "nnstudio", err.message if unlisted or wrong else
                      f"The data file of {err.project_path.name} was not found:\n{err.expected}",
                      QMessageBox.StandardButton.Cancel, parent)
    box.setInformativeText("If it is the right file, choose it yourself to open the project."
                           if unlisted else
                           "It may have been overwritten or edited since. If you have the file "
                           "the project was made with, choose it to open the project." if wrong else
                           "It may have been moved or renamed. Locate it to open the project.")
    locate = box.addButton("Choose…" if wrong else "Locate…", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(locate)
    box.exec()
    if box.clickedButton() is not locate:
        return None
    start = err.project_path.parent if err.project_path.parent.is_dir() else Path.home()
    path, _ = QFileDialog.getOpenFileName(
        parent, f"Locate {err.file_name}", str(start),
        f"{err.file_name} ({err.file_name});;{FILE_FILTER}")
    return path or None
