"""What ``nnstudio train`` and its CSV-streaming variant share: reading the training and CSV options
from the command line, the progress bar, and the result in JSON and in words."""
from __future__ import annotations

import sys


def settings_overrides(args) -> dict:
    """The training settings given on the command line."""
    overrides = {"optimizer": args.optimizer, "learning_rate": args.lr, "momentum": args.momentum,
                 "nesterov": args.nesterov, "batch_size": args.batch_size, "epochs": args.epochs,
                 "loss": args.loss, "seed": args.seed, "early_stopping": args.early_stopping,
                 "patience": args.patience, "monitor": args.monitor, "batch_mode": args.batch_mode,
                 "class_weight": class_weight_arg(getattr(args, "class_weight", None))}
    return {k: v for k, v in overrides.items() if v is not None}


def class_weight_arg(text: str | None):
    """``--class-weight``: none, balanced or ``LABEL=WEIGHT,...`` (None: not given)."""
    if text is None or text.strip() in ("none", "balanced") or "=" not in text:
        return None if text is None else text.strip()  # (a bad word: the settings' check says so)
    from nnstudio.core.errors import SettingsError  # noqa: PLC0415 -- lazy: only a weight list needs it

    weights = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        label, _, value = part.partition("=")
        try:
            weights[label.strip()] = float(value)
        except ValueError:
            raise SettingsError(f"--class-weight: '{part}' is not LABEL=WEIGHT with a number.",
                                "Give e.g. --class-weight yes=10,no=1 (or balanced).") from None
    return weights


def missing_in(given: list[str] | None) -> dict[str, list[str]]:
    """``--missing-in COLUMN=A,B`` (each given once per column) as ``CsvOptions.missing_in``."""
    from nnstudio.core.errors import SettingsError  # noqa: PLC0415 -- lazy: as the others here

    out: dict[str, list[str]] = {}
    for part in given or []:
        col, eq, values = part.rpartition("=")
        if not eq or not col.strip() or not values.strip():
            raise SettingsError(f"--missing-in: '{part}' is not COLUMN=VALUE.",
                                "Give e.g. --missing-in BloodPressure=0 (once per column).")
        out.setdefault(col.strip(), []).extend(v.strip() for v in values.split(",") if v.strip())
    return out


def csv_options(args):
    """The CSV reading options given on the command line (the rest is detected)."""
    from nnstudio.core.data.csv import CsvOptions  # noqa: PLC0415 -- lazy: pandas costs a second at start-up

    delim = args.delimiter
    if delim is not None:
        delim = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ",
                 "spaces": " ", "whitespace": " "}.get(delim.lower(), delim)
    na = [v for v in (args.na_values or "").split(",") if v != ""] if args.na_values else []
    opts = CsvOptions(delimiter=delim, encoding=args.encoding, header=args.header,
                      decimal=args.decimal, na_values=na,
                      missing_in=missing_in(getattr(args, "missing_in", None)),
                      missing_markers=getattr(args, "missing_markers", True),
                      formatted_numbers=getattr(args, "formatted_numbers", True),
                      na_in_text=getattr(args, "na_in_text", True),
                      date_parts=getattr(args, "date_parts", True), sheet=getattr(args, "sheet", None),
                      member=getattr(args, "member", None))
    opts.check()
    return opts


def target_needed(path, options):
    """The refusal of a CSV given without --target: the file's columns, and the one the GUI would
    propose as the example (its first rows read; a file that cannot be read says that instead)."""
    import shlex  # noqa: PLC0415 -- lazy: only this refusal quotes a name

    from nnstudio.core.data.csv import preview  # noqa: PLC0415 -- lazy: pandas costs a second at start-up
    from nnstudio.core.data.roles import propose_target  # noqa: PLC0415 -- lazy: as above
    from nnstudio.core.errors import DataError  # noqa: PLC0415 -- lazy: as above

    if path is None:  # no such file: reading it says so
        return DataError("Training on a CSV needs --target COLUMN.", "Name the column to predict.")
    frame, fmt = preview(path, options)
    names = fmt.names
    guess = propose_target(frame) if len(frame.columns) else names[-1]
    return DataError(f"Training on a CSV needs --target COLUMN. The columns of '{path.name}': "
                     f"{listed(names)}.",
                     f"Name the column to predict, e.g. --target {shlex.quote(str(guess))}.")


class _Bar:
    """A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, p) -> None:
        if not self.enabled:
            return
        width = 30
        fill = int(width * p.epoch / max(1, p.epochs))
        loss = p.new_rows.get("loss", [float("nan")])[-1] if p.new_rows else float("nan")
        sys.stderr.write(f"\r[{'#' * fill}{'.' * (width - fill)}] epoch {p.epoch}/{p.epochs} "
                         f"loss {loss:.4f}")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def warn(lines) -> None:
    """Warnings about the data on stderr, one line each (stdout keeps the result, or the JSON)."""
    for line in lines:
        print(f"nnstudio: warning: {line}", file=sys.stderr)


def data_warnings(project, data) -> list[str]:
    """What the user must know about the data before trusting a result: notes from reading the
    file (missing markers read as missing, ...), rows left out when they are many, a column that
    predicts the target alone and held-out rows that repeat training rows (core/data/checks.py)."""
    from nnstudio.core.data import checks  # noqa: PLC0415 -- lazy: pandas costs a second at start-up

    ds = project.dataset
    keep = ["To keep them as values: --keep-na-text."] if ds.text_missing else []
    keep += ["To read the dates as they are: --no-date-parts."] if ds.date_parts else []
    return list(dict.fromkeys([*ds.warnings, *keep, *data.warnings(),
                               *checks.notes(data, project)]))


def rows_text(data) -> str:
    """The rows of each split (and how the held-out ones were chosen, when not at random)."""
    r = data.rows()
    text = f"rows: {r['train']:,} training, {r['validation']:,} validation, {r['test']:,} test"
    if getattr(data, "held_out", ""):  # (a streamed plan has none)
        text += f" ({data.held_out})"
    if r["dropped"]:
        text += f"; {r['dropped']:,} left out. " + " ".join(data.dropped_text())
    return text


def columns_json(project, data) -> dict:
    """The columns the network reads, the ones left out (each with its reason) and how missing
    values were handled (the GUI's Data tab shows the same): a run's output says what it learned
    from, not only how well. ``project`` has the ``roles``, ``data`` the ``n_inputs`` (a
    streamed run's plan is both)."""
    return {"features": list(project.roles.features), "n_inputs": int(data.n_inputs),
            "left_out": {c: why for c, why in project.roles.ignored.items()
                         if c != project.roles.target},
            "missing_note": getattr(data, "missing_note", "") or None}


def listed(names: list[str], most: int = 12) -> str:
    """Column names for a line a person reads: all of them, or (more than ``most``) the first
    six and the last two with the count ("pixel0, …, pixel783: 784 columns"); ``--json`` has
    every name."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:6])}, …, {', '.join(names[-2:])}: {len(names):,} columns"


def columns_lines(project, data) -> list[str]:
    """:func:`columns_json` as the lines printed without ``--json``: long lists shortened, and
    the columns left out for the same reason (a wide file's constant pixels) said once."""
    c = columns_json(project, data)
    n = c["n_inputs"]
    lines = [f"features: {listed(c['features'])} ({n:,} network input{'' if n == 1 else 's'} "
             f"after encoding)"]
    if c["left_out"]:
        by_reason: dict[str, list[str]] = {}
        for col, why in c["left_out"].items():
            by_reason.setdefault(why, []).append(col)
        lines.append("left out: " + "; ".join(f"{listed(cols)} ({why})"
                                              for why, cols in by_reason.items())
                     + ". Add any with --features.")
    if c["missing_note"]:
        lines.append(c["missing_note"])
    return lines


def task_line(project, data) -> str:
    """What the run learns, and for whole numbers taken as classes, that they are unordered and
    how to train a quantity instead (the GUI's Data tab says the same)."""
    how = "chosen with --task" if project.task_override is not None else "inferred"
    target = project.roles.target
    text = f"task: {data.task.label} of {target} ({how})"
    k = project.whole_number_classes()
    if k:
        text += (f"; its {k} different whole numbers are taken as {k} unordered classes. If "
                 f"{target} is a quantity (a count, a score), add --task regression")
    return text


def print_result(message: str, out: dict, params: int, *extra: str) -> None:
    """The human-readable form of a run's result (the JSON form is ``out`` itself): figures as
    the Evaluation tab writes them."""
    from nnstudio.core.numbers import fmt_figure  # noqa: PLC0415 -- lazy: NumPy costs start-up time, paid only by a command with a result
    print(message)
    for line in extra:
        print(line)
    for k in ("loss", "accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy",
              "mae", "val_mae", "test_mae"):
        if out.get(k) is not None:
            print(f"{k:>14}: {fmt_figure(out[k])}")  # (nan and inf as Python writes them)
    print(f"{'params':>14}: {params}")
    print(f"{'seconds':>14}: {out['seconds']:.2f}")
    if out.get("baseline", {}).get("verdict"):
        print(out["baseline"]["verdict"])


def result_json(result, params: int) -> dict:
    out = {"status": result.status, "message": result.message, "epochs_run": result.epochs_run,
           "seconds": round(result.seconds, 4), "seed": result.seed, "params": params,
           "path": getattr(result, "path", "fast")}
    for k, v in result.history.items():
        out[k] = v[-1] if v else None
    for k, v in result.test.items():
        out[f"test_{k}"] = v
    if result.best_epoch is not None:
        out["best_epoch"] = result.best_epoch + 1
    return out


def keeps_trained_model(save: str, what: str) -> None:
    """Refuse ``--save PATH`` where PATH holds a trained model that saving ``what`` (runs without
    a model of the project's: a sweep, a cross-validation) would drop; said before anything trains."""
    from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas costs a second at start-up
    from nnstudio.core.errors import NNStudioError  # noqa: PLC0415 -- lazy: only a refusal needs it
    from nnstudio.core.project_doc import read_document  # noqa: PLC0415 -- lazy: pandas costs a second at start-up

    path = project_file.with_suffix(save)
    if path.is_file() and read_document(path).get("trained"):
        raise NNStudioError(f"{path.name} holds a trained model, which saving {what} would drop "
                            f"(they train networks of their own, none the project's model).",
                            "Save them in another project (--save other.nnstudio), or open the "
                            "project in the app and run them there.")
