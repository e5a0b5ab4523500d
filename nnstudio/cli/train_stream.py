"""``nnstudio train ... --stream``: train on a CSV larger than memory (see
:mod:`nnstudio.core.training.streaming_csv` for how and its limits).

Used by :mod:`nnstudio.cli.train` when ``--stream`` is given, or automatically when the CSV (given
as SOURCE, or the data file of a project) is larger than a quarter of the available memory.
"""
from __future__ import annotations

import glob
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from nnstudio.cli.common import (
    _Bar,
    columns_json,
    columns_lines,
    csv_options,
    print_result,
    result_json,
    settings_overrides,
    target_needed,
    warn,
)
from nnstudio.core.errors import DataError, NNStudioError
from nnstudio.core.guessing import judge_accuracy
from nnstudio.core.model.spec import LayerSpec, NetworkSpec, Task, param_counts, validate
from nnstudio.core.settings import TrainSettings
from nnstudio.core.training.control import TrainingControl

#: Stream automatically when the file is larger than this fraction of the available memory
#: (pandas needs several times the file's size to hold and encode it).
AUTO_FRACTION = 0.25


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _source(args):
    """(csv path, project document or None) for SOURCE; (None, None) for an example; (sorted list
    of files, None) for a pattern such as 'parts/*.csv' (streamed, each worker reading whole
    files under --distribute multi-worker)."""

    src = args.source
    if _is_example(src):
        return None, None
    if glob.has_magic(src) and not Path(src).exists():
        files = sorted(Path(p) for p in glob.glob(src) if Path(p).is_file())
        if not files:
            raise DataError(f"No file matches '{src}'.", "Check the pattern (quote it so the shell "
                                                        "leaves it to nnstudio).")
        return files, None
    path = Path(src)
    if path.suffix.lower() == ".nnstudio":
        from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        doc = project_file.read_project_document(path)
        if doc.data_kind != "csv":
            return None, doc
        return doc.data_path(args.data), doc
    return (path if path.is_file() else None), None


def _read_whole(path: Path) -> str:
    """What a file is that is read whole, never streamed: "an Excel workbook", "a Weka ARFF file", or ""."""
    from nnstudio.core.data import arff  # noqa: PLC0415 -- lazy: paid only by the command that runs
    from nnstudio.core.data.workbook import is_workbook  # noqa: PLC0415 -- lazy: as arff

    if is_workbook(path):
        return "an Excel workbook"
    try:
        with open(path, "rb") as fh:
            return "a Weka ARFF file" if arff.is_arff(fh.read(4096)) else ""
    except OSError:
        return ""


def _is_example(source: str) -> bool:
    from nnstudio.core.data.examples import EXAMPLES  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    return source.lower() in EXAMPLES


def wants_streaming(args) -> bool:
    """Whether to stream: ``--stream``, or (unless ``--no-stream``) a CSV too big for memory."""
    if args.stream is False:
        return False
    csv, doc = _source(args)
    if csv is None and doc is None and not _is_example(args.source):
        return False  # no such file: the in-memory reader says so, with the name
    whole = _read_whole(csv) if not isinstance(csv, list) and csv is not None else ""
    if whole:
        if args.stream:  # a sheet (core.data.workbook), an ARFF file's rows (core.data.arff)
            raise DataError(f"--stream reads a CSV file in chunks, but '{csv.name}' is {whole}, "
                            f"which is read whole.", "Leave out --stream.")
        return False
    if args.stream:
        if csv is None:
            what = "a built-in example" if doc is None else "not a CSV file"
            raise DataError(f"--stream reads a CSV file in chunks, but the data is {what}.",
                            "Leave out --stream.")
        return True
    if csv is None:
        return False
    if isinstance(csv, list):  # several files: always streamed
        return True
    avail = available_memory()
    return avail is not None and csv.stat().st_size > AUTO_FRACTION * avail


def run_streaming(args, strategy=None, cluster: dict | None = None) -> int:
    """Train streamed; ``strategy`` and ``cluster`` (workers, worker, chief) when this process is
    one worker of a multi-worker run (:mod:`nnstudio.cli.train_multiworker`)."""
    from nnstudio.core.data.preprocess import (  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
        PreprocessConfig,
        SplitConfig,
    )
    from nnstudio.core.training import distributed  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.training import streaming_csv as sc  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    if args.repeat:
        raise NNStudioError("--repeat is not available when streaming.",
                            "Run the command once per seed (--seed N).")
    if args.export:
        raise NNStudioError("--export is not available when streaming.",
                            "Use --save PROJECT.nnstudio, then `nnstudio export` on the project.")
    if args.chunk_rows < 1:
        raise NNStudioError("--chunk-rows must be at least 1.")
    csv, doc = _source(args)
    if isinstance(csv, list) and args.save:
        raise NNStudioError("--save keeps one data file in the project, but the data is several "
                            "files.", "Join them into one file to save a project (under "
                            "multi-worker each worker then reads a range of its rows).")
    if doc is not None:
        roles, config, split = doc.roles, doc.preprocess, doc.split
        spec, settings, task, options = doc.spec, doc.settings, doc.task, doc.read_options
    else:
        if not args.target:
            raise target_needed(csv[0] if isinstance(csv, list) else csv, csv_options(args))
        roles, config, split, task = None, PreprocessConfig(), SplitConfig(), None
        spec = NetworkSpec([LayerSpec.dense(16, "relu"), LayerSpec.dense(8, "relu")])
        settings = TrainSettings(epochs=50)
        options = csv_options(args).to_dict()
    if args.features:
        from nnstudio.core.data.roles import Roles  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

        target = roles.target if roles is not None else args.target
        feats = [f.strip() for f in args.features.split(",") if f.strip()]
        roles = Roles(target, feats, {})
    if args.task:
        task = Task(args.task)
    split = replace(split, **{k: v for k, v in (("test", args.test), ("val", args.val),
                                                ("seed", args.split_seed),
                                                ("order", args.split_order)) if v is not None})
    if args.split_by is not None:
        split = replace(split, order="group", group=args.split_by)
    settings = replace(settings, **settings_overrides(args))
    settings.check()
    if getattr(args, "missing", None):
        config = replace(config, missing=args.missing)
    if getattr(args, "spelling", None):
        config = replace(config, spelling=args.spelling)
    config = _streamable(config)
    plan = sc.fit_streaming(csv, roles, args.target, config, split, task, args.chunk_rows, options)
    if args.layers is not None:
        spec = NetworkSpec.parse(args.layers, plan.task, plan.n_classes)
    problems = validate(spec, plan.task, plan.n_classes)
    if problems:
        raise NNStudioError(f"The network cannot train on this task: {problems[0]}")
    params = sum(n for _, n in param_counts(spec, plan.n_inputs, plan.task, plan.n_classes))
    worker, chief = None, True
    if cluster is not None:
        from nnstudio.core.training.multiworker import Worker  # noqa: PLC0415 -- lazy: TensorFlow, paid only on a cluster

        devices, chief = None, cluster["chief"]
        worker = Worker(strategy, cluster["worker"], cluster["workers"], chief, args.backup_dir)
    else:
        devices = distributed.choose_devices(args.distribute)
        strategy = distributed.make_strategy(devices) if devices else None
    bar = _Bar(not args.json and sys.stderr.isatty() and chief)
    result = sc.train_streaming(plan, spec, settings, control=TrainingControl(bar),
                                strategy=strategy, worker=worker)
    bar.close()
    out = result_json(result, params)
    r = plan.rows
    # the fit pass counts the rows left out without telling missing targets from missing values
    out["rows"] = {"train": r["train"], "validation": r["val"], "test": r["test"],
                   "dropped": plan.dropped_rows,
                   "dropped_reasons": {"missing_target_or_values": plan.dropped_rows}}
    total = plan.dropped_rows + sum(r.values())
    from nnstudio.core.data.prepared_data import LOSS_WARN_SHARE  # noqa: PLC0415 -- lazy: pandas, paid only when streaming

    warnings = list(plan.notes)  # '$1,234' read as numbers …, as in memory
    if total and plan.dropped_rows / total > LOSS_WARN_SHARE:
        warnings.append(f"{plan.dropped_rows:,} of {total:,} rows ({plan.dropped_rows / total:.0%}) "
                        f"are left out: they have no target value or a missing value in a column "
                        f"whose missing-value strategy is 'drop the row'.")
    out.update(columns_json(plan, plan))  # what it learned from, and what it left out (and why)
    base = _baseline(plan, result)
    out["baseline"] = base
    out["warnings"] = warnings + ([base["verdict"]] if base.get("better_than_guessing") is False else [])
    warn(warnings)
    if devices:
        out["replicas"] = len(devices)
    if worker is not None:
        out.update(cluster, replicas=int(strategy.num_replicas_in_sync),
                   resumed_from_epoch=worker.resumed_from)
    if args.json:
        print(json.dumps(out, indent=2))
    else:
        print_result(result.message, out, params, plan.summary(),  # with the baseline's verdict
                     *columns_lines(plan, plan))
    if args.save and chief:
        saved = _save(args.save, csv, plan, spec, settings, plan.config, task, options, result)
        if not args.json:
            print(f"saved {saved}")
    return 0


def _streamable(config):
    """Missing values "auto" when streaming: the median needs the whole column in memory, so numbers
    are filled with the mean (text with its most frequent value) — documented in docs/data.md."""
    per = {c: ({**o, "missing": "mean"} if o.get("missing") == "auto" else o)
           for c, o in config.per_column.items()}
    return replace(config, missing="mean" if config.missing == "auto" else config.missing,
                   per_column=per)


def _baseline(plan, result) -> dict:
    """The baseline of a streamed run: for classes, the test rows' majority rate (one more pass over
    the target and feature columns); R² is not measured when streaming."""
    from nnstudio.core.training import streaming_csv as sc  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    n_test = int(plan.rows["test"])
    if plan.task is Task.REGRESSION or not n_test or "accuracy" not in result.test:
        return {"split": "test", "rows": n_test, "r2" if plan.task is Task.REGRESSION else "accuracy": None,
                "better_than_guessing": None,
                "verdict": "Not compared with guessing: when streaming only the accuracy of classes "
                           "is compared with the majority rate."}
    pre = plan.preprocessor
    cols = [*plan.roles.features, plan.roles.target]
    train_counts = np.zeros(pre.n_classes, np.int64)
    test_counts = np.zeros(pre.n_classes, np.int64)
    for first, chunk in sc.shard_chunks(plan, cols):
        codes = sc.split_of_rows(first, len(chunk), plan.split)
        y = pre.encode_target(chunk[plan.roles.target])
        ok = (y >= 0) & pre.rows_usable(chunk)
        train_counts += np.bincount(y[ok & (codes == 0)], minlength=pre.n_classes)
        test_counts += np.bincount(y[ok & (codes == 2)], minlength=pre.n_classes)
    major = int(np.argmax(train_counts))
    n = int(test_counts.sum())
    p = float(test_counts[major] / n) if n else float("nan")
    acc = float(result.test["accuracy"])
    label = pre.classes[major]
    out = {"split": "test", "rows": n, "majority_class": label.item() if hasattr(label, "item") else label,
           "majority_accuracy": p, "accuracy": acc}
    out.update(judge_accuracy(acc, p, n, label, "test"))  # (no probabilities kept: no ROC AUC)
    return out


def _save(path, csv: Path, plan, spec, settings, config, task, options, result) -> Path:
    """A project for the streamed CSV, with the trained model (the data itself is not loaded)."""
    import pandas as pd  # noqa: PLC0415 -- lazy: pandas costs a second

    from nnstudio.core import project_file  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.data.dataset import Dataset  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs
    from nnstudio.core.project import Project  # noqa: PLC0415 -- lazy: pandas/TF, paid only by the command that runs

    cols = [*plan.roles.features, plan.roles.target]
    ds = Dataset(pd.DataFrame(columns=cols), csv.name, source=str(csv.resolve()),
                 csv_options=options)
    project = Project(ds, plan.roles, spec, settings, config, plan.split, task, None)
    path = project_file.with_suffix(path)
    doc = project_file.build_document(project, path)
    return project_file.write_project(doc, path, result, plan.preprocessor)
