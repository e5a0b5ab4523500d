"""``nnstudio train SOURCE``: train headless on an example, a CSV or a project file."""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from nnstudio.cli import generated, timeline, train_multiworker, train_stream
from nnstudio.cli.common import (
    _Bar,
    columns_json,
    columns_lines,
    csv_options,
    data_warnings,
    keeps_trained_model,
    print_result,
    result_json,
    rows_text,
    settings_overrides,
    target_needed,
    task_line,
    warn,
)
from nnstudio.core import suffixes
from nnstudio.core.errors import DataError, NNStudioError, SpecError
from nnstudio.core.experiments import groups, store
from nnstudio.core.guessing import baseline, baseline_of_runs
from nnstudio.core.model.spec import NetworkSpec, Task, param_counts, validate
from nnstudio.core.numbers import fmt_figure, fmt_spread
from nnstudio.core.registry import LOSS_ALIASES
from nnstudio.core.settings import BATCH_MODES, LOSSES, OPTIMIZERS
from nnstudio.core.training.control import TrainingControl


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a network headless and print the result",
                       description="Train on a built-in example (see `nnstudio examples`), a CSV file "
                                   "(with --target) or a .nnstudio project file.")
    add_arguments(p)
    timeline.add_train_arguments(p)
    p.set_defaults(func=run)


def add_arguments(p) -> None:
    """The options of ``train`` (``nnstudio sweep`` takes the same)."""
    p.add_argument("source", help="example name, CSV file or .nnstudio project")
    g = p.add_argument_group("data")
    g.add_argument("--target", help="target column (CSV)")
    g.add_argument("--features", help="comma-separated feature columns (default: proposed) and "
                   "engineered inputs: formulas of number columns, e.g. \"x,y,x^2,y^2,x*y,sin(x)\" "
                   "(+ - * / ^, sin cos tan tanh exp log sqrt abs; `a b` for a name with spaces)")
    g.add_argument("--test", type=float, help="test fraction, e.g. 0.2")
    g.add_argument("--val", type=float, help="validation fraction of the rest, e.g. 0.2")
    g.add_argument("--split-seed", type=int, help="seed of the train/validation/test split")
    held = g.add_mutually_exclusive_group()  # (the last rows, or whole groups: one way to hold out)
    held.add_argument("--split-order", choices=["random", "last"],
                   help="rows held out for validation and test: random (default), or the last "
                        "rows of the file (data in time order: measure a forecast on later rows)")
    held.add_argument("--split-by", metavar="COLUMN",
                   help="hold out whole groups of this column's values at random (the visits of "
                        "one patient all in training, or all held out): the test rows are then "
                        "of patients, customers… the network never saw")
    g.add_argument("--task", choices=("binary", "multiclass", "regression"),
                   help="override the task inferred from the target")
    g.add_argument("--missing", choices=("auto", "drop", "median", "mean", "most_frequent"),
                   help="missing values in the features: auto (default: drop the rows when they are "
                        "at most 5%% of the training rows, else fill numbers with the median and give "
                        "text a '(missing)' category), drop (drop every such row), or fill with the "
                        "median, mean or most frequent value")
    g.add_argument("--merge-spellings", dest="spelling", action="store_const", const="merge",
                   help="read text values that differ only in capitals, spaces or a final full stop ('Ja', "
                        "'ja ' and 'ja.') as one, written as their most frequent spelling")
    generated.add_arguments(p)
    g = p.add_argument_group("reading a CSV or an Excel workbook (detected when not given)")
    g.add_argument("--sheet", metavar="NAME", help="the sheet of an Excel workbook (.xlsx) to read "
                                                   "(default: the first sheet with data)")
    g.add_argument("--member", metavar="NAME", help="the table to read in a .zip that holds several "
                                                    "(its name in the archive)")
    g.add_argument("--delimiter", help="field delimiter: ',', ';', 'tab', '|', 'space' (runs of spaces)")
    g.add_argument("--encoding", help="text encoding: utf-8, utf-8-sig, utf-16, cp1252, latin-1")
    g.add_argument("--decimal", choices=(".", ","), help="decimal separator of numbers")
    g.add_argument("--header", dest="header", action="store_true", default=None,
                   help="the first row holds the column names")
    g.add_argument("--no-header", dest="header", action="store_false",
                   help="the first row is data (columns are named 'column 1', 'column 2', ...)")
    g.add_argument("--na-values", metavar="A,B", help="more markers of missing values, e.g. '?,-'")
    g.add_argument("--missing-in", metavar="COLUMN=A,B", action="append",
                   help="values read as missing in that column only, e.g. 'BloodPressure=0' "
                        "(where the file's other 0s are real); once per column")
    g.add_argument("--no-missing-markers", dest="missing_markers", action="store_false", default=True,
                   help="do not read common markers (?, -, ., NA, n/a, null, none, missing) in "
                        "columns of numbers as missing values (they are by default, and said so)")
    g.add_argument("--no-formatted-numbers", dest="formatted_numbers", action="store_false",
                   default=True,
                   help="keep columns of numbers written with $, €, %%, thousands separators or "
                        "(brackets) as text (they are read as numbers by default, and said so)")
    g.add_argument("--keep-na-text", dest="na_in_text", action="store_false", default=True,
                   help="keep NA, None, null … in columns of text as values (North America, "
                        "sodium, 'no alley'); they are read as missing by default, and said so")
    g.add_argument("--no-date-parts", dest="date_parts", action="store_false", default=True,
                   help="do not add the year, month and weekday of date columns as columns (they "
                        "are by default, and said so)")
    g = p.add_argument_group("projects and data larger than memory")
    g.add_argument("--data", metavar="CSV", help="the data file of a .nnstudio project, when it is no "
                                                 "longer where the project says (it moved)")
    g.add_argument("--stream", dest="stream", action="store_true", default=None,
                   help="stream the CSV in chunks with tf.data instead of loading it (for files "
                        "larger than memory; automatic when the file is larger than a quarter of "
                        "the available memory). Limits: docs/projects-and-cli.md")
    g.add_argument("--no-stream", dest="stream", action="store_false",
                   help="always load the data into memory")
    g.add_argument("--chunk-rows", type=int, default=100_000,
                   help="rows read at a time when streaming; rows are shuffled within a chunk "
                        "(default 100000)")
    g = p.add_argument_group("network")
    g.add_argument("--layers", help="hidden layers, e.g. dense:6:relu,dropout:0.2,dense:4:relu "
                                    "('' for none). The output layer follows the task unless the "
                                    "last layer is a Dense layer of the output's width or is "
                                    "marked :output (dense:1:sigmoid:output). Dense options: "
                                    "init=NAME, l1=X, l2=X, nobias (dense:8:relu:l2=0.001). "
                                    "Other layers: batchnorm, gaussian_noise:STD, "
                                    "gaussian_dropout:RATE, alpha_dropout:RATE")
    g = p.add_argument_group("training")
    g.add_argument("--optimizer", choices=OPTIMIZERS)
    g.add_argument("--lr", "--learning-rate", dest="lr", type=float)
    g.add_argument("--momentum", type=float, help="SGD momentum")
    g.add_argument("--nesterov", action="store_true", default=None, help="SGD Nesterov momentum")
    g.add_argument("--batch-size", type=int)
    g.add_argument("--batch-mode", choices=BATCH_MODES)
    g.add_argument("--epochs", type=int)
    g.add_argument("--loss", choices=[*LOSSES, *LOSS_ALIASES])  # old names still work
    g.add_argument("--seed", type=int)
    g.add_argument("--early-stopping", action="store_true", default=None)
    g.add_argument("--patience", type=int)
    g.add_argument("--monitor")
    g.add_argument("--class-weight", metavar="none|balanced|LABEL=W,...",
                   help="how much each class's training rows count in the loss: none (default), "
                        "balanced (rows / (classes x the class's rows), as scikit-learn: a rare "
                        "class counts as much as a common one), or a weight per class label, e.g. "
                        "yes=10,no=1")
    g.add_argument("--repeat", type=int, help="train N times with seeds 0..N-1; report mean and sd. "
                                              "The seeds train together as one program (up to 8 at "
                                              "a time), each the run it gives alone (with early "
                                              "stopping each stops at its own epoch)")
    g.add_argument("--cv", type=int, metavar="K",
                   help="k-fold cross-validation: train K times, each time holding out one of K "
                        "folds of the rows outside the test split (stratified; whole groups with "
                        "--split-by), and report each fold's figure and their mean and sd. In "
                        "`nnstudio sweep`: each configuration over K folds instead of seeds, "
                        "ranked by the folds' mean and compared fold by fold (GridSearchCV)")
    g.add_argument("--distribute", choices=("auto", "off", "mirrored", "multi-worker"), default="auto",
                   help="several GPUs: train under tf.distribute.MirroredStrategy. auto (default): "
                        "when two or more GPUs are visible; mirrored: always (over all GPUs, or "
                        "all logical CPU devices); off: never; multi-worker: several machines under "
                        "MultiWorkerMirroredStrategy (TF_CONFIG or --workers; docs/scale.md)")
    train_multiworker.add_arguments(g)
    g = p.add_argument_group("output")
    g.add_argument("--json", action="store_true", help="print one JSON object")
    g.add_argument("--export", metavar="PATH", help="save the trained model (.keras, ...)")
    g.add_argument("--save", metavar="PROJECT", help="save the project with the trained model to "
                                                     "PROJECT.nnstudio (open it in the app)")


def load_project(args):
    """A Project from SOURCE and the data options."""
    from nnstudio.core.data.examples import EXAMPLES  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.project import Project  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    src = args.source
    if args.data and Path(src).suffix.lower() != ".nnstudio":
        raise DataError("--data gives the data file of a .nnstudio project.",
                        "To train on a CSV, give it as SOURCE with --target.")
    if generated.wants_generated(args, EXAMPLES):
        base = Project.from_example(src.lower()) if src.lower() in EXAMPLES else None
        project = Project.from_recipe(generated.recipe(args, src.lower()), base)
    elif src.lower() in EXAMPLES:
        project = Project.from_example(src)
    else:
        path = Path(src)
        if path.suffix.lower() == ".nnstudio":
            from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

            project = project_file.load_project(path, args.data)
        elif path.exists() or path.suffix.lower() in suffixes.DATA:
            from nnstudio.core.data.csv import read_csv  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

            if not args.target:
                raise target_needed(path, csv_options(args))
            dataset = read_csv(path, csv_options(args))
            project = Project.from_dataset(dataset, args.target)
        else:
            raise DataError(f"'{src}' is neither an example nor a file.",
                            f"Examples: {', '.join(EXAMPLES)}; or give a CSV path with --target.")
    if args.features:
        generated.apply_features(project, args.features)
    if args.task:

        project.task_override = Task(args.task)
    if getattr(args, "missing", None):
        # the default for every feature; a project's own per-column choices stay
        project.preprocess = replace(project.preprocess, missing=args.missing)
    if getattr(args, "spelling", None):  # every text column (a project's own per-column choices stay)
        project.preprocess = replace(project.preprocess, spelling=args.spelling)
    if args.test is not None:
        project.split = replace(project.split, test=args.test)
    if args.val is not None:
        project.split = replace(project.split, val=args.val)
    if args.split_seed is not None:
        project.split = replace(project.split, seed=args.split_seed)
    if args.split_order is not None:
        project.split = replace(project.split, order=args.split_order)
    if args.split_by is not None:
        project.split = replace(project.split, order="group", group=args.split_by)
    if args.layers is not None:

        # a last Dense layer of the output's width is the output layer; else it follows the task
        project.spec = NetworkSpec.parse(args.layers, project.task, project.n_classes())
    project.settings = replace(project.settings, **settings_overrides(args))
    project.settings.check()  # (the loss against the task: when the data are prepared, by the trainer)
    return project


def run(args) -> int:
    from nnstudio.core.training.engine import (  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
        Trainer,
        train_repeated,
    )

    if args.export:  # a name it will not write is refused before the training, not after
        from nnstudio.core.export import format_of  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        format_of(args.export)
    if getattr(args, "cv", None) is not None:  # folds need the rows in memory, in one process
        for flag, given in (("--from-run", getattr(args, "from_run", None)),
                            ("--distribute multi-worker", train_multiworker.wanted(args))):
            if given:
                raise NNStudioError(f"--cv cannot go with {flag}: a cross-validation trains its "
                                    f"folds from the start, here.", f"Leave out {flag} or --cv.")
        if train_stream.wants_streaming(args):
            raise NNStudioError("--cv needs the table in memory, and this data is streamed in "
                                "chunks (--stream, several files, or a file too big for memory).",
                                "Add --no-stream if the file fits in memory, or cross-validate a "
                                "sample of its rows saved as a smaller file.")
    if getattr(args, "from_run", None):
        return timeline.train_branch(args, load_project)
    if getattr(args, "from_epoch", None) is not None:
        raise NNStudioError("--from-epoch needs --from-run RUN (the run to branch from).",
                            "List the project's runs with `nnstudio runs P`.")
    if train_multiworker.wanted(args):
        return train_multiworker.run(args, load_project)
    if train_stream.wants_streaming(args):
        return train_stream.run_streaming(args)
    if args.repeat and args.distribute == "mirrored":
        raise NNStudioError("--repeat runs on one device.", "Leave out --distribute mirrored.")

    project = load_project(args)
    data = project.prepare()
    warnings = data_warnings(project, data)
    problems = validate(project.spec, data.task, data.n_classes)
    if problems:
        note = ""
        if args.layers is not None and project.spec.output is not None \
                and NetworkSpec.parse(args.layers).output is None:
            note = (f" (--layers ends with {project.spec.output.compact()}, which has the output's "
                    f"width, so it is the output layer)")
        raise SpecError(f"The network cannot train on this task: {problems[0]}{note}")
    params = sum(n for _, n in param_counts(project.spec, data.n_inputs, data.task, data.n_classes))
    if args.cv is not None:
        return cross_validation(args, project, data, warnings)
    if args.repeat:
        if args.repeat < 1:
            raise NNStudioError("--repeat must be at least 1.")
        warn(warnings)
        from nnstudio.core.tf import preload  # noqa: PLC0415 -- lazy: TensorFlow, paid only by the command that trains

        preload()  # before the clock, as a single run's device choice loads it: a run's seconds
        # are its training, not seed 0's import
        rep = train_repeated(data, project.spec, project.settings, args.repeat)
        runs = [result_json(r, params) for r in rep["runs"]]
        for d, r in zip(runs, rep["runs"]):
            d["baseline"] = baseline(data, r)
        base = baseline_of_runs(data, rep["runs"])
        out = {"runs": runs, "metric": rep["metric"], "mean": rep["mean"], "sd": rep["sd"],
               "params": params, "repeat": args.repeat, "rows": data.rows(), "baseline": base,
               "task": data.task.value, "task_line": task_line(project, data),
               **columns_json(project, data),
               "warnings": warnings + ([base["verdict"]] if not base["better_than_guessing"] else [])}
        result = rep["runs"][-1]
        if args.json:
            if not args.save:  # else once saved, with the verdict against the project's last group
                print(json.dumps(out, indent=2))
        else:
            print(rows_text(data))
            print(task_line(project, data))
            print("\n".join(columns_lines(project, data)))
            for i, r in enumerate(runs):
                v = r.get(rep["metric"])
                print(f"seed {i}: {rep['metric']} " + (fmt_figure(v) if isinstance(v, (int, float)) else "—"))
            print(f"{rep['metric']}: mean {fmt_spread(rep['mean'], rep['sd'], 4)} over "
                  f"{len(runs)} runs")
            print(base["verdict"])
    else:
        from nnstudio.core.coach import findings_json  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
        from nnstudio.core.timeline.recorder import watch  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
        from nnstudio.core.training import distributed  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        warn(warnings)
        bar = _Bar(not args.json and sys.stderr.isatty())
        control = TrainingControl(bar)
        devices = distributed.choose_devices(args.distribute)
        if devices:  # several GPUs (or --distribute mirrored): Keras fit under MirroredStrategy
            result = distributed.train_mirrored(data, project.spec, project.settings,
                                                distributed.make_strategy(devices), control=control)
        else:
            trainer = Trainer(data, project.spec, project.settings, control=control,
                              plain_first_run=True)  # one run: no XLA compile wait (issue 18)
            recorder = watch(trainer, every=args.snapshot_every)  # issue 19: snapshots + health
            result = trainer.run()
            recorder.finish(result.model)  # its last state, if the time budget skipped that report
        bar.close()
        out = result_json(result, params)
        if devices:
            out["replicas"] = len(devices)
        base = baseline(data, result)
        out["rows"] = data.rows()
        out["task"], out["task_line"] = data.task.value, task_line(project, data)
        out.update(columns_json(project, data))
        out["baseline"] = base
        out["warnings"] = warnings + ([base["verdict"]] if not base["better_than_guessing"] else [])
        findings = findings_json(data, project.spec, project.settings, result,
                                 None if devices else recorder)
        out["findings"] = findings
        if args.json:
            print(json.dumps(out, indent=2))
        else:
            print_result(result.message, out, params, rows_text(data), out["task_line"],
                         *columns_lines(project, data))
            for f in findings:
                print(f"coach [{f['code']}]: {f['message']}")
    if args.export:
        from nnstudio.core import export  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        paths = export.export_model(result, data, project, args.export)
        if not args.json:
            for p in paths:
                print(f"exported {p}")
    if args.save:
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        store.append_cli_runs(project, project_file.with_suffix(args.save), args.source,
                              rep["runs"] if args.repeat else [result], data,
                              timelines=None if args.repeat or devices else [recorder.timeline])
        saved = project_file.save_project(project, project_file.with_suffix(args.save), result,
                                          data.preprocessor)
        if args.repeat:  # the tutorials' question: did the change help, beyond seed noise?
            verdict = groups.summary(project.runs)["verdict"]  # None: no earlier seed group
            if args.json:
                out["verdict_vs_previous"] = verdict
                out["saved"] = str(saved)
                print(json.dumps(out, indent=2))
            elif verdict:
                print("Against the project's previous seed group: " + verdict.replace("\n\n", " "))
        if not args.json:
            print(f"saved {saved}")
    return 0


def cross_validation(args, project, data, warnings: list[str]) -> int:
    """``--cv K``: each fold's figure, their mean and sd, in words or JSON."""
    from nnstudio.core.evaluate import METRIC_NAMES  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.experiments.crossval import cross_validate, fold_records  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    clash = [o for o, v in (("--repeat", args.repeat), ("--export", args.export)) if v]
    if clash:
        raise NNStudioError(f"--cv trains {args.cv} networks, one a fold: {', '.join(clash)} "
                            f"cannot go with it.",
                            "Cross-validate to judge the network and settings; then train once "
                            "without --cv to export it.")
    if args.save:
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        keeps_trained_model(args.save, "the folds")  # before anything trains
        path = project_file.with_suffix(args.save)
    warn(warnings)
    lines = [] if args.json else [rows_text(data), task_line(project, data),
                                  "\n".join(columns_lines(project, data))]
    for line in lines:
        print(line)

    def said(fold, k) -> None:
        if not args.json:
            figures = ", ".join(f"{METRIC_NAMES.get(key, key)} {fmt_figure(v)}" for key, v in fold.figures.items())
            print(f"fold {fold.index + 1} of {k}: {fold.rows:,} held-out rows, {figures}", flush=True)

    cv = cross_validate(project, args.cv, on_fold=said)
    out = {"cross_validation": cv.to_dict(), "text": cv.text(), "task": data.task.value,
           "warnings": warnings}
    if not args.json:
        print(cv.text())
    if args.save:  # the folds as a group of the project's runs; against the previous group
        store.keep_runs_of(project, path, args.source)
        store.add_runs(project, fold_records(cv, project, source="cli"))
        out["saved"] = str(project_file.save_project(project, path))
        verdict = groups.summary(project.runs)["verdict"]  # None: no earlier group
        out["verdict_vs_previous"] = verdict
        if not args.json:
            if verdict:
                print("Against the project's previous group: " + verdict.replace("\n\n", " "))
            print(f"saved {out['saved']}")
    if args.json:
        print(json.dumps(out, indent=2))
    return 0
