"""The generated training script: the network designed in nnstudio as plain pandas + Keras code.

``write_script`` writes a standalone Python file that reads the data, prepares it as nnstudio did
(same scalings, encodings and split), builds and trains the same network and prints the test
figures — a way out of the app that a reader can follow line by line.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from nnstudio import __version__
from nnstudio.core import registry, suffixes
from nnstudio.core.data.scales import plain_order
from nnstudio.core.export_inputs import ExportError, output_meaning, safe_name
from nnstudio.core.jsonsafe import scalar
from nnstudio.core.model.spec import NetworkSpec, Task, default_output
from nnstudio.core.settings import TrainSettings
from nnstudio.core.trained import TrainedModel


def _reads_the_same(path: str, frame: pd.DataFrame | None) -> bool:
    """Whether ``pd.read_csv(path)`` with its defaults gives the app's table: the same columns, each
    numbers where the app's are numbers, missing where the app's are. A '?' read as missing by the
    app, a semicolon file or a decimal comma would leave pandas with text, and the script would fail
    or learn something else; -999 read as missing would leave it numbers, and it would learn them."""
    try:
        plain = pd.read_csv(path) if frame is not None else pd.read_csv(path, nrows=5)
    except Exception:  # not readable with defaults
        return False
    if frame is None:
        return True
    if [str(c) for c in plain.columns] != [str(c) for c in frame.columns] or len(plain) != len(frame):
        return False
    number = pd.api.types.is_numeric_dtype
    # (-999 read as missing, the user's "Also missing", leaves pandas a column of numbers all the same)
    return all(number(plain[c]) == number(frame[c]) and plain[c].isna().sum() == frame[c].isna().sum()
               for c in frame.columns)


def _keeps_na_text(tm: TrainedModel) -> bool:
    """The app read 'NA', 'None' … in text columns as values (the user's choice), where pandas'
    defaults read them as missing: the script reads a copy, as the app did."""
    options = ((tm.meta or {}).get("data") or {}).get("read_options") or {}
    return options.get("na_in_text") is False


def _script_data(tm: TrainedModel, folder: Path) -> tuple[str, list[str]]:
    """Where the script reads its CSV: the project's own CSV when pandas reads it as is, else a copy
    of the data written beside the script. Returns (path as the script names it, files written)."""
    if tm.source_path and Path(tm.source_path).suffix.lower() == ".csv" \
            and not _keeps_na_text(tm) and _reads_the_same(tm.source_path, tm.data_frame):
        return str(Path(tm.source_path).resolve()), []
    if tm.data_frame is None:
        raise ExportError("The script needs the training data, and it is not available.",
                          "Open the model's data in nnstudio, then export the script again.")
    name = (tm.meta.get("data", {}).get("example") or tm.meta.get("data", {}).get("name") or "data")
    name = str(name)
    for kind in (suffixes.PACKED, suffixes.TABLES):
        if Path(name).suffix.lower() in kind:  # not messy.csv.csv, nor data.csv.gz.csv
            name = name[: -len(Path(name).suffix)]
    fname = safe_name(name.lower().replace(" ", "_")) + ".csv"
    target = folder / fname
    tm.data_frame.to_csv(target, index=False)
    return fname, [str(target)]


def _init_code(name: str) -> str:
    if name == "uniform":  # Keras 2's "uniform", as the churn tutorial used it
        return "keras.initializers.RandomUniform(-0.05, 0.05)"
    if name == "normal":
        return "keras.initializers.RandomNormal(stddev=0.05)"
    return repr(name)


def _layer_code(spec: dict, is_output: bool, meaning: str) -> str:
    kind = spec.get("kind", "dense")
    if kind == "dense":
        args = [str(int(spec["units"])), f"activation={spec.get('activation', 'relu')!r}"]
        init = spec.get("initializer", "glorot_uniform")
        if init != "glorot_uniform":
            args.append(f"kernel_initializer={_init_code(init)}")
        if not spec.get("use_bias", True):
            args.append("use_bias=False")
        if spec.get("l1") or spec.get("l2"):
            args.append(f"kernel_regularizer=keras.regularizers.L1L2(l1={float(spec.get('l1', 0))!r}, "
                        f"l2={float(spec.get('l2', 0))!r})")
        comment = f"  # output: {meaning}" if is_output else ""
        return f"layers.Dense({', '.join(args)}),{comment}"
    if kind == "dropout":
        rate = float(spec["rate"])
        return f"layers.Dropout({rate!r}),  # zeroes {rate:.0%} of its inputs while training"
    if kind == "batchnorm":
        return "layers.BatchNormalization(),"
    if kind == "gaussian_noise":
        return f"layers.GaussianNoise({float(spec['stddev'])!r}),  # noise while training only"
    raise ExportError(f"The script cannot build a '{kind}' layer.")


def _optimizer_code(t: dict) -> str:
    name = t.get("optimizer", "adam")
    lr = float(t.get("learning_rate", 0.001))
    entry = registry.OPTIMIZERS.get(name, registry.OPTIMIZERS["adam"])
    extra = ""
    if entry.momentum and t.get("momentum"):
        extra += f", momentum={float(t['momentum'])!r}"
    if entry.momentum and t.get("nesterov"):
        extra += ", nesterov=True"
    return f"keras.optimizers.{entry.keras_class}(learning_rate=LEARNING_RATE{extra})", lr


def script_text(tm: TrainedModel, data_path: str, relative: bool) -> str:
    """The standalone training script (pandas + Keras) for this model, as text."""
    meta, pre = tm.meta, tm.preprocessor
    if "network" not in meta or "training" not in meta:
        raise ExportError("This model has no record of its network and training settings, so no "
                          "training script can be written for it.",
                          "Export the script from the project that trained it.")
    task = pre.task
    spec = NetworkSpec.from_dict(meta["network"])
    t = meta["training"]
    split = meta.get("split", {"test": 0.2, "val": 0.2, "seed": 42})
    classes = list(pre.classes)
    k = max(len(classes), 2)
    out_layer = spec.output_for(task, k) if spec.output else default_output(task, k)
    units = int(out_layer.units)
    text_classes = bool(classes) and isinstance(classes[0], str)
    loss = t.get("loss", "auto")
    loss = TrainSettings(loss=loss).loss_for(task)  # "auto" follows the task; old names: honest ones
    metric = "mae" if task is Task.REGRESSION else "accuracy"
    bmode = t.get("batch_mode", "mini-batch")
    batch = {"full-batch": "len(X_train)  # full batch: one update per epoch (gradient descent)",
             "stochastic": "1  # stochastic: one update per row"}.get(bmode, str(int(t.get("batch_size", 32))))
    opt_code, lr = _optimizer_code(t)
    test_frac, val_frac, seed = float(split.get("test", 0.2)), float(split.get("val", 0.2)), int(split.get("seed", 42))
    title = meta.get("data", {}).get("name", "the data")
    app_test = meta.get("result", {}).get("test", {})

    # one line per input column, saying how nnstudio prepared it
    inputs, fills, orders = [], [], {}
    for c in pre.columns:
        if c.kind == "numeric":
            how = {"standardize": "standardize", "minmax": "minmax"}.get(c.scaling, "as is")
            why = {"standardize": "(x - mean) / sd, with the training rows' mean and sd",
                   "minmax": "(x - min) / (max - min), with the training rows' min and max"}.get(
                how, "used as it is")
        elif getattr(c, "passthrough_binary", False):
            how, why = "as is", "already 0/1"
        elif c.kind == "categorical" and c.encoding == "onehot":
            cats = ", ".join(str(x) for x in c.categories[:6]) + (", …" if len(c.categories) > 6 else "")
            how, why = "onehot", f"one 0/1 column per category ({cats})"
        else:
            pairs = ", ".join(f"{x!s} → {i}" for i, x in enumerate(c.categories[:6]))
            own = list(c.categories) != plain_order(c.categories)
            if own:  # a scale's own order (core.data.scales), which the script is given
                orders[c.name] = [scalar(x) for x in c.categories]
            how, why = "code", (f"categories numbered {'as in ORDER' if own else 'in sorted order'} "
                                f"({pairs}{', …' if len(c.categories) > 6 else ''})")
        inputs.append(f"    {c.name!r}: {how!r},  # {why}")
        if c.impute_value is not None and c.impute != "drop":
            strategy = c.impute if c.impute in ("mean", "median", "most_frequent") \
                else ("constant", scalar(c.impute_value))
            fills.append(f"    {c.name!r}: {strategy!r},")
    layer_lines = [_layer_code(l.to_dict(), False, "") for l in spec.hidden]
    layer_lines.append(_layer_code(out_layer.to_dict(), True, output_meaning(pre, units)))
    early = ""
    if t.get("early_stopping"):
        mon = t.get("monitor", "val_loss").replace("accuracy", metric)
        if val_frac <= 0:
            mon = mon.replace("val_", "")
        early = (f"callbacks = [keras.callbacks.EarlyStopping(monitor={mon!r}, patience={int(t.get('patience', 10))}, "
                 f"restore_best_weights={bool(t.get('restore_best', True))})]")
    data_line = (f"DATA = Path(__file__).with_name({data_path!r})  # the data nnstudio trained on"
                 if relative else f"DATA = Path({data_path!r})  # the data nnstudio trained on")
    L = []
    a = L.append
    a("#!/usr/bin/env python3")
    a('"""Train and evaluate the network designed in nnstudio, with plain pandas and Keras.')
    a("")
    a(f"Data: {title} — target {pre.target!r} ({task.label}).")
    a(f"Generated by nnstudio {__version__} on {meta.get('created', '')[:10]}. The script does what the app did:")
    a("read the CSV, hold out test rows, learn the preprocessing from the training rows only, build")
    a("the same layers, train with the same optimizer, loss, batch size and epochs, and evaluate on")
    a("the test rows. Its rows are split with pandas, so its figures differ a little from the app's.")
    a("")
    a("Run:   python train_model.py [DATA.csv]")
    a("Needs: pandas, numpy and keras (with TensorFlow)")
    a('"""')
    a("import sys")
    a("from pathlib import Path")
    a("")
    a("import keras")
    a("import numpy as np")
    a("import pandas as pd")
    a("from keras import layers")
    a("")
    a("# ----- settings, as they were in nnstudio ----------------------------------------------------")
    a(data_line)
    a("if len(sys.argv) > 1:")
    a("    DATA = Path(sys.argv[1])")
    a(f"TARGET = {pre.target!r}")
    if task is not Task.REGRESSION:
        codes = ", ".join(f"{c!s} → {i}" for i, c in enumerate(classes[:6]))
        a(f"CLASSES = {[scalar(c) for c in classes]!r}  # class {codes}{' …' if len(classes) > 6 else ''}")
    a(f"TEST_FRACTION = {test_frac!r}  # rows held out for the final test")
    a(f"VALIDATION_FRACTION = {val_frac!r}  # of the remaining rows, watched during training")
    a(f"SEED = {seed}")
    a(f"EPOCHS = {int(t.get('epochs', 100))}")
    a(f"LEARNING_RATE = {lr!r}")
    # issue 20: the decision threshold and the class weights chosen in nnstudio
    threshold = float(meta.get("threshold", 0.5)) if task is Task.BINARY else None
    if threshold is not None:
        a(f"THRESHOLD = {threshold!r}  # P({pre.target} = {classes[1]!s}) above this predicts {classes[1]!s}")
    cw = t.get("class_weight", "none") if task is not Task.REGRESSION else "none"
    if cw == "balanced":
        a("CLASS_WEIGHT = \"balanced\"  # each class weighs n_rows / (n_classes * its rows) in the loss")
    elif isinstance(cw, dict):
        codes = {str(c): i for i, c in enumerate(classes)}
        a(f"CLASS_WEIGHT = {({codes[k]: float(v) for k, v in cw.items() if k in codes})!r}"
          "  # class number -> weight in the loss")
    spellings = {c.name: c.spellings for c in pre.columns if c.spelling == "merge" and c.spellings}
    if pre.target_spelling == "merge" and pre.target_spellings:
        spellings[pre.target] = pre.target_spellings
    if spellings:
        a("# Values that differ only in capitals, spaces or a final full stop, read as one")
        a("# (column -> {as written: as read}):")
        a(f"SPELLINGS = {spellings!r}")
    a("")
    a("# How each input column is turned into numbers for the network (nnstudio's choices):")
    a("INPUTS = {")
    L.extend(inputs)
    a("}")
    if orders:
        a("# Categories numbered in a scale's order (Never … Always), not by spelling (column -> lowest first):")
        a(f"ORDER = {orders!r}")
    a("# Missing values: filled as below; rows missing any other input are dropped.")
    a("FILL_MISSING = {" + ("" if fills else "}"))
    if fills:
        L.extend(fills)
        a("}")
    a("")
    a("keras.utils.set_random_seed(SEED)  # the same start every run")
    a("")
    a("")
    a("def fit_preprocessing(train):")
    a('    """Learn every statistic (means, scales, categories, fill values) from the training rows only."""')
    a("    stats = {}")
    a("    for col, how in INPUTS.items():")
    a("        values = train[col].dropna()")
    a("        s = {}")
    a("        if col in FILL_MISSING:")
    a("            rule = FILL_MISSING[col]")
    a('            s["fill"] = {"mean": values.mean, "median": values.median,')
    a('                         "most_frequent": lambda: values.mode().iloc[0]}[rule]() '
      'if isinstance(rule, str) else rule[1]')
    a('        if how in ("onehot", "code"):')
    a('            s["categories"] = sorted(values.unique().tolist())')
    if orders:
        a('            if col in ORDER:  # in the scale\'s order')
        a('                order = ORDER[col] + s["categories"]  # (a value it lacks: after it)')
        a('                s["categories"] = sorted(s["categories"], key=order.index)')
    a('        elif how == "standardize":')
    a('            s["center"], s["scale"] = values.mean(), values.std(ddof=0) or 1.0')
    a('        elif how == "minmax":')
    a('            s["center"], s["scale"] = values.min(), (values.max() - values.min()) or 1.0')
    a("        stats[col] = s")
    a("    return stats")
    a("")
    a("")
    a("def encode(frame, stats):")
    a('    """The rows as the float32 matrix the network sees, one block of columns per input."""')
    a("    blocks = []")
    a("    for col, how in INPUTS.items():")
    a("        s = stats[col]")
    a('        values = frame[col].fillna(s["fill"]) if "fill" in s else frame[col]')
    a('        if how == "onehot":')
    a('            codes = pd.Index(s["categories"]).get_indexer(values)  # -1: not a training value')
    a('            blocks.append((codes[:, None] == np.arange(len(s["categories"]))).astype(float))')
    a('        elif how == "code":')
    a('            blocks.append(pd.Index(s["categories"]).get_indexer(values)[:, None].astype(float))')
    a("        else:")
    a('            x = values.to_numpy(float)')
    a('            if "center" in s:')
    a('                x = (x - s["center"]) / s["scale"]')
    a("            blocks.append(x[:, None])")
    a('    return np.hstack(blocks).astype("float32")')
    a("")
    a("")
    a("def unseen_categories(frame, stats):")
    a('    """Rows holding a category the training rows never had (they cannot be encoded)."""')
    a("    bad = np.zeros(len(frame), bool)")
    a("    for col, how in INPUTS.items():")
    a('        if how in ("onehot", "code"):')
    a('            bad |= (~frame[col].isin(stats[col]["categories"]) & frame[col].notna()).to_numpy()')
    a("    return bad")
    a("")
    a("")
    a("def targets(frame):")
    if task is Task.REGRESSION:
        a('    return frame[TARGET].to_numpy("float32")')
    else:
        key = 'frame[TARGET].astype(str)' if text_classes else "frame[TARGET]"
        a(f'    return pd.Index(CLASSES).get_indexer({key}).astype("int32")  # class numbers')
    a("")
    a("")
    a("# ----- 1. read the data, drop unusable rows ------------------------------------------------------")
    if _keeps_na_text(tm):  # 'NA' in a text column is a value here (North America): only empty is missing
        a('data = pd.read_csv(DATA, keep_default_na=False, na_values=[""])')
    else:
        a("data = pd.read_csv(DATA)")
    if spellings:
        a("for col, spelling in SPELLINGS.items():")
        a("    data[col] = data[col].replace(spelling)")
    a("data = data.dropna(subset=[TARGET] + [c for c in INPUTS if c not in FILL_MISSING])")
    a("")
    if split.get("order", "random") == "last":  # data in time order: the file's last rows
        a("# ----- 2. split: hold out the file's last rows for the test (never seen in training); Keras'")
        a("# validation_split then watches the last rows before them ------------------------------------")
        a("n_test = round(len(data) * TEST_FRACTION)")
        a("test, train = data.iloc[len(data) - n_test:], data.iloc[:len(data) - n_test]")
    elif split.get("order") == "group":  # the rows of one patient together: all in one split
        a(f"# ----- 2. split: hold out whole groups of {split['group']!r} for the test (every row of one")
        a("# in training, or every row in the test), taken at random until they hold the test's share -")
        a(f"groups = pd.factorize(data[{split['group']!r}])[0]  # a number per group, in order of appearance")
        a("alone = groups < 0  # a row without a value: a group of its own")
        a("groups[alone] = groups.max(initial=-1) + 1 + np.arange(alone.sum())")
        a("order = np.random.default_rng(SEED).permutation(groups.max() + 1)")
        a("sizes = np.bincount(groups)[order]")
        a("k = int(np.argmin(np.abs(np.cumsum(sizes) - len(data) * TEST_FRACTION))) + 1")
        a("held = np.isin(groups, order[:k])")
        a("test, train = data[held], data[~held]")
    else:
        a("# ----- 2. split: shuffle, hold out the test rows (never seen in training) -----------------------")
        a("data = data.sample(frac=1.0, random_state=SEED)")
        a("n_test = round(len(data) * TEST_FRACTION)")
        a("test, train = data.iloc[:n_test], data.iloc[n_test:]")
    a("")
    a("# ----- 3. preprocessing: fitted on the training rows, applied to both ---------------------------")
    a("stats = fit_preprocessing(train)")
    a("test = test[~unseen_categories(test, stats)]")
    a("X_train, y_train = encode(train, stats), targets(train)")
    a("X_test, y_test = encode(test, stats), targets(test)")
    a('print(f"{len(X_train)} training rows, {len(X_test)} test rows, {X_train.shape[1]} inputs")')
    a("")
    a("# ----- 4. the network --------------------------------------------------------------------------")
    a("model = keras.Sequential([")
    a("    keras.Input(shape=(X_train.shape[1],)),")
    L.extend("    " + line for line in layer_lines)
    a("])")
    a(f"model.compile(optimizer={opt_code}, loss={loss!r}, metrics=[{metric!r}])")
    if task is Task.REGRESSION:
        a("# the output starts where a standardized target would put it, as nnstudio starts it: its")
        a("# bias at the training mean, its weights scaled to the target's spread (sd, from 1 up)")
        a("out = model.layers[-1]")
        if out_layer.use_bias:
            a("out.bias.assign(np.full(out.bias.shape, y_train.mean(), \"float32\"))")
        a("out.kernel.assign(out.kernel.numpy() * max(float(y_train.std()), 1.0))")
    a("model.summary()")
    a("")
    a("# ----- 5. train -------------------------------------------------------------------------------")
    if early:
        a(early)
    if cw == "balanced":
        a("counts = np.bincount(y_train, minlength=len(CLASSES))")
        a("CLASS_WEIGHT = {i: len(y_train) / (len(CLASSES) * n) if n else 1.0 for i, n in enumerate(counts)}")
    a(f"history = model.fit(X_train, y_train, epochs=EPOCHS, batch_size={batch},")
    a("                    validation_split=VALIDATION_FRACTION, shuffle=True, verbose=2"
      + (", callbacks=callbacks" if early else "")
      + (", class_weight=CLASS_WEIGHT)" if cw != "none" else ")"))
    a("")
    a("# ----- 6. evaluate on the test rows ------------------------------------------------------------")
    a("if len(X_test):")
    a(f"    test_loss, test_{metric} = model.evaluate(X_test, y_test, verbose=0)")
    a('    print(f"Test loss: {test_loss:.4f}")')
    if task is Task.REGRESSION:
        a('    print(f"Test MAE: {test_mae:.4f}")')
        if "mae" in app_test:
            a(f"    # nnstudio's test MAE on its own split was {float(app_test['mae']):.4f}")
    else:
        a('    print(f"Test accuracy: {test_accuracy:.4f}")')
        if "accuracy" in app_test:
            a(f"    # nnstudio's test accuracy on its own split was {float(app_test['accuracy']):.4f}")
        a("    outputs = model.predict(X_test, verbose=0)")
        if threshold is not None:
            a(f"    predicted = (outputs[:, {units - 1}] > THRESHOLD).astype(int)"
              "  # probability above the threshold: the second class")
        else:
            a("    predicted = outputs.argmax(axis=1)  # the most probable class")
        a('    print("Confusion matrix (rows: true class, columns: predicted class):")')
        a("    print(pd.crosstab(pd.Series(np.take(CLASSES, y_test), name=\"true\"),")
        a("                      pd.Series(np.take(CLASSES, predicted), name=\"predicted\")))")
    a("")
    a("# To use the model later: model.save(\"model.keras\"), then keras.saving.load_model(\"model.keras\").")
    text = "\n".join(L) + "\n"
    compile(text, "train_model.py", "exec")  # a generated script must at least be valid Python
    return text


def write_script(tm: TrainedModel, path: Path) -> list[str]:
    """The training script, and the data as CSV beside it when it did not come from a CSV file."""
    if getattr(tm.preprocessor, "derived", None):
        raise ExportError("The Python script cannot yet rebuild engineered inputs "
                          f"({', '.join(d.name for d in tm.preprocessor.derived)}).",
                          "Export the .keras model instead: it computes them from the raw columns.")
    data_path, extra = _script_data(tm, path.parent)
    text = script_text(tm, data_path, relative=bool(extra))
    path.write_text(text, encoding="utf-8")
    return [str(path), *extra]
