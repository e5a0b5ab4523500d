"""Runs in a project file, and their trained weights beside it.

The project document (:mod:`nnstudio.core.project_file`, version 3) holds a ``"runs"`` list: one
:meth:`RunRecord.to_dict` per run, oldest first. Version 2 documents (before runs existed) are
migrated to an empty list (``core.project_doc``'s migration to version 3). The weights of the runs that keep them —
pinned runs and the last :data:`KEEP_LAST` — are NumPy ``.npz`` files (no pickle) in a folder beside
the project, next to its ``.trained`` sidecar::

    churn.nnstudio
    churn.runs/<run id>.npz
    churn.runs/<run id>-timeline.npz     its snapshots (issue 19), for the same runs

Weight files are written *before* the document that points to them (atomically: a temporary file
renamed into place), and files no document points to any more are deleted after it; a run's file
never changes once written (its name is the run's id), so a crash leaves a consistent project.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from pathlib import Path

import numpy as np

from nnstudio.core.errors import ProjectError
from nnstudio.core.experiments.record import RunRecord, new_id, record_of

#: Trained weights are kept for pinned runs and for this many most recent runs.
KEEP_LAST = 10
_FILE_RE = re.compile(r"^[0-9a-zA-Z_-]{1,64}\.npz$")


def runs_dir(project_path: Path | str) -> Path:
    p = Path(project_path)
    return p.with_name(f"{p.stem}.runs")


# ----- the document ---------------------------------------------------------------------------------
def runs_section(project) -> list[dict]:
    """The ``runs`` entry of a document for ``project`` (its :attr:`runs`, oldest first). Each run
    that keeps weights carries them (arrays or a file to copy) under ``_weights``; :func:`write_weights`
    turns that into a file name before the document is encoded."""
    out = []
    for r in getattr(project, "runs", None) or []:
        d = r.to_dict()
        src = r.weights if r.weights is not None else (
            r.weights_file if r.weights_file is not None and Path(r.weights_file).is_file()
            else None)
        d["weights"] = None
        if src is not None:
            d["_weights"] = src
        tl = r.timeline if r.timeline is not None else (
            r.timeline_file if r.timeline_file is not None and Path(r.timeline_file).is_file()
            else None)
        if tl is not None:
            d["_timeline"] = tl
        out.append(d)
    return out


def runs_from_document(doc: dict, path: Path | str) -> list[RunRecord]:
    """The runs of a (migrated) document; their weights stay on disk until needed."""
    entries = doc.get("runs") or []
    if not isinstance(entries, list):
        raise ProjectError("The project's run history is invalid (not a list).",
                           "The file is damaged; restore it from a backup.")
    folder = runs_dir(path)
    runs = []
    for d in entries:
        r = RunRecord.from_dict(d)
        w = d.get("weights")
        if isinstance(w, str) and _FILE_RE.match(Path(w).name):
            r.weights_file = folder / Path(w).name
        t = d.get("timeline")
        if isinstance(t, str) and _FILE_RE.match(Path(t).name):
            r.timeline_file = folder / Path(t).name
        runs.append(r)
    return runs


def write_weights(path: Path | str, doc: dict) -> list[Path]:
    """Write the weights the document's runs carry (``_weights``) to the runs folder of ``path``
    and put their file names in the document; returns the files the document now points to."""
    path = Path(path)
    folder = runs_dir(path)
    keep: list[Path] = []
    for d in doc.get("runs") or []:
        keep += _write_timeline(folder, d)
        src = d.pop("_weights", None)
        if src is None:
            continue
        target = folder / f"{d['id']}.npz"
        if not _FILE_RE.match(target.name):
            continue
        folder.mkdir(exist_ok=True)
        if isinstance(src, (str, Path)):
            if Path(src).resolve() != target.resolve():
                _atomic_copy(Path(src), target)
        elif not target.is_file():
            tmp = folder / f".{d['id']}.{secrets.token_hex(8)}.tmp.npz"
            try:
                np.savez(tmp, **{f"w{i}": np.asarray(w) for i, w in enumerate(src)})
                os.replace(tmp, target)
            except OSError as e:
                tmp.unlink(missing_ok=True)
                raise ProjectError(f"Cannot save the weights of a run in {folder}: {e.strerror}.",
                                   "Check the folder is writable and the disk not full.") from None
        d["weights"] = f"{folder.name}/{target.name}"
        keep.append(target)
    return keep


def _write_timeline(folder: Path, d: dict) -> list[Path]:
    """A run's snapshots (``_timeline``: a Timeline or its file) to ``<id>-timeline.npz``."""
    tl = d.pop("_timeline", None)
    d.pop("timeline", None)
    target = folder / f"{d['id']}-timeline.npz"
    if tl is None or not _FILE_RE.match(target.name):
        return []
    folder.mkdir(exist_ok=True)
    if isinstance(tl, (str, Path)):
        if Path(tl).resolve() != target.resolve():
            _atomic_copy(Path(tl), target)
    elif not target.is_file():
        tl.save(target)
    d["timeline"] = f"{folder.name}/{target.name}"
    return [target]


def _atomic_copy(src: Path, target: Path) -> None:
    tmp = target.with_name(f".{target.stem}.{secrets.token_hex(8)}.tmp.npz")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ProjectError(f"Cannot copy the weights of a run to {target.parent}: {e.strerror}.",
                           "Check the folder is writable and the disk not full.") from None


def clean_weights(path: Path | str, keep: list[Path]) -> None:
    """After the document was written: delete weight files it no longer points to."""
    folder = runs_dir(path)
    if not folder.is_dir():
        return
    names = {p.name for p in keep}
    for p in folder.iterdir():
        if p.name not in names and (_FILE_RE.match(p.name) or p.name.endswith(".tmp.npz")):
            try:
                p.unlink()
            except OSError:
                pass
    try:
        folder.rmdir()  # only when empty
    except OSError:
        pass


# ----- in memory ------------------------------------------------------------------------------------
def prune_weights(runs: list[RunRecord], keep_last: int = KEEP_LAST) -> None:
    """Forget the weights of runs that are neither pinned nor among the last ``keep_last``."""
    recent = {r.id for r in runs[-keep_last:]} if keep_last > 0 else set()
    for r in runs:
        if not r.pinned and r.id not in recent:
            r.weights = None
            r.weights_file = None
            r.timeline = None
            r.timeline_file = None


def add_runs(project, records: list[RunRecord], keep_last: int = KEEP_LAST) -> None:
    """Append runs to ``project.runs`` and keep weights only for pinned and recent runs."""
    if getattr(project, "runs", None) is None:
        project.runs = []
    project.runs.extend(records)
    prune_weights(project.runs, keep_last)


def existing_runs(path: Path | str) -> list[RunRecord]:
    """The runs already saved in the project file at ``path`` (none if there is no file yet)."""
    path = Path(path)
    if not path.is_file():
        return []
    from nnstudio.core.project_doc import read_document  # noqa: PLC0415 -- lazy: pandas loads only when this runs, not at start-up

    return runs_from_document(read_document(path), path)


def keep_runs_of(project, path: Path | str, source: str) -> None:
    """Before ``nnstudio train --save PATH`` adds runs: the project keeps the runs PATH already
    had (or its own, when it was loaded from PATH)."""
    path = Path(path)
    src = Path(source)
    same = src.suffix.lower() == ".nnstudio" and src.is_file() and path.is_file() \
        and src.resolve() == path.resolve()
    project.runs = list(project.runs) if same else existing_runs(path)


def append_cli_runs(project, path: Path | str, source: str, results: list, data,
                    timelines: list | None = None, parent: str | None = None,
                    parent_epoch: int | None = None, spec=None, settings=None) -> list[RunRecord]:
    """``nnstudio train --save PATH``: the project keeps the runs PATH already had (or its own,
    when it was loaded from PATH) and gains these ``results`` (one group for ``--repeat``)."""
    keep_runs_of(project, path, source)
    group = new_id() if len(results) > 1 else None
    timelines = timelines or [None] * len(results)
    records = [record_of(r, project, data, source="cli", group=group, timeline=t, parent=parent,
                         parent_epoch=parent_epoch, spec=spec, settings=settings,
                         name=f"repeat · seed {r.seed}" if group else "")  # as the app names them
               for r, t in zip(results, timelines)]
    add_runs(project, records)
    return records
