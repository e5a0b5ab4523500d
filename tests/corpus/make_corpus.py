"""Regenerate the malformed-input corpus (tests/corpus/{csv,project,model}/ and cases.json).

The files are committed; run this only to change the corpus:

    .venv/bin/python tests/corpus/make_corpus.py

Each case names a file, how the command line is run on it, what the GUI does with it, and the
message the user must see (a stable, distinctive part of it). tests/reliability/test_corpus.py runs
every case through both the CLI and the GUI's own code path.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CSV, PROJ, MODEL = HERE / "csv", HERE / "project", HERE / "model"
TRAIN_CSV = ["train", "{file}", "--target", "label", "--epochs", "1"]
TRAIN_PROJECT = ["train", "{file}", "--epochs", "1"]
CASES: list[dict] = []


def case(kind: str, file: str, message: str, *, what: str, cli="usual", gui: str = "refused",
         options: dict | None = None, subprocess: bool = False, id: str | None = None) -> None:
    """gui: refused (an error message; the previous project is kept) | train-refused (the table
    opens; Train shows the error) | opened-with-warning (the project opens; a warning says what was
    not loaded) | cli-only. cli: "usual" (the kind's usual command), an argument list, or None
    when no command reads that part of the file (then the core function is called directly)."""
    usual = {"csv": TRAIN_CSV, "project": TRAIN_PROJECT, "model": ["evaluate", "{file}"]}[kind]
    CASES.append({"id": id or f"{kind}-{file.split('.')[0]}", "kind": kind,
                  "file": f"{kind}/{file}", "what": what,
                  "cli": usual if cli == "usual" else cli, "gui": gui, "message": message,
                  "csv_options": options or {}, "subprocess": subprocess})


def rows(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    return "".join(f"{rng.normal():.3f},{rng.normal():.3f},{i % 2}\n" for i in range(n))


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


# ----- CSV files ---------------------------------------------------------------------------------
def make_csv() -> None:
    good = "x1,x2,label\n" + rows(30)
    write(CSV / "empty.csv", b"")
    case("csv", "empty.csv", "'empty.csv' is empty (0 bytes).", what="a file of 0 bytes",
         subprocess=True)
    write(CSV / "blank.csv", "\n   \n\t\n\n")
    case("csv", "blank.csv", "holds no data, only blank space", what="only blank lines")
    write(CSV / "header_only.csv", "x1,x2,label\n")
    case("csv", "header_only.csv", "has a header row (x1, x2, label) but no rows of data",
         what="a header and nothing else")
    write(CSV / "truncated_quote.csv", good[:200] + '\n1.0,"0.5')
    case("csv", "truncated_quote.csv", "is never closed", what="cut off inside a quoted value")
    text = "x1,city,label\n" + "".join(f"{i},Malmö,{i % 2}\n" for i in range(30))
    write(CSV / "truncated_utf8.csv", text.encode("utf-8") + "Malmö".encode()[:-1])
    case("csv", "truncated_utf8.csv", "ends in the middle of a character",
         what="UTF-8 text cut off in the middle of a two-byte character")
    rng = np.random.default_rng(1)
    write(CSV / "binary.bin", bytes(rng.integers(0, 256, 2048, dtype=np.uint8)))
    case("csv", "binary.bin", "it holds binary data", what="random bytes")
    write(CSV / "nul_bytes.csv", good.encode() + b"1.0,\x00\x00\x00,1\n")
    case("csv", "nul_bytes.csv", "it holds binary data", what="a text table with NUL bytes in it")
    buf = HERE / "_tmp.xlsx"
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    shutil.move(buf, CSV / "spreadsheet.xlsx")
    case("csv", "spreadsheet.xlsx", "cannot be read as an Excel workbook",
         what="an Excel workbook with no workbook part inside (damaged)")
    write(CSV / "compressed.csv.gz", gzip.compress(good.encode(), mtime=0)[:-30])
    case("csv", "compressed.csv.gz", "is damaged: it cannot be unpacked",
         what="a gzipped CSV cut short (a whole one is read)")
    write(CSV / "image.png", b"\x89PNG\r\n\x1a\n" + bytes(64))
    case("csv", "image.png", "it is a PNG image", what="a picture")
    latin = "x1,city,label\n" + "".join(f"{i},Malmö,{i % 2}\n" for i in range(30))
    write(CSV / "latin1.csv", latin.encode("latin-1"))
    case("csv", "latin1.csv", "is not valid UTF-8 text: byte 0xF6 on line 2",
         what="Latin-1 text read as UTF-8 (--encoding utf-8)", options={"encoding": "utf-8"},
         cli=[*TRAIN_CSV, "--encoding", "utf-8"])
    write(CSV / "rot13_encoding.csv", good)
    case("csv", "rot13_encoding.csv", "'rot13' is not a text encoding",
         what="a codec that is not a text encoding (--encoding rot13)",
         options={"encoding": "rot13"}, cli=[*TRAIN_CSV, "--encoding", "rot13"])
    write(CSV / "utf16_forced.csv", good)
    case("csv", "utf16_forced.csv", "'utf16_forced.csv' is not valid UTF-16 text",
         what="UTF-8 text read as UTF-16 (--encoding utf-16, no byte-order mark)",
         options={"encoding": "utf-16"}, cli=[*TRAIN_CSV, "--encoding", "utf-16"])
    write(CSV / "newline_in_header.csv", '"first\nname",x2,label\n')
    case("csv", "newline_in_header.csv", "has a header row (first name, x2, label) but no rows",
         what="a quoted column name holding a line break (read as a space: one line)")
    write(CSV / "ragged.csv", "x1,x2,label\n1,2,0\n3,4,1\n5,6,7,0\n8,9,1\n")
    case("csv", "ragged.csv", "Line 4 of 'ragged.csv' has 4 fields, but the header has 3.",
         what="a row with more fields than the header", subprocess=True)
    write(CSV / "duplicate_header.csv", "x1,x2,x1,label\n" + "".join(
        f"{i},{i * 2},{i * 3},{i % 2}\n" for i in range(20)))
    case("csv", "duplicate_header.csv",
         "The column name 'x1' appears twice in the header (columns 1 and 3).",
         what="two columns with the same name")
    write(CSV / "stray_text.csv", "x1,x2,label\n" + "".join(
        f"{'oops' if i == 7 else i},{i % 5},{i % 2}\n" for i in range(30)))
    case("csv", "stray_text.csv",
         "Column 'x1' holds numbers, but 1 value is not a number: 'oops' (row 8)",
         what="a word in a column of numbers", gui="train-refused")
    write(CSV / "inf_everywhere.csv", "x1,x2,label\n" + "".join(
        f"{'inf' if i % 2 else '-inf'},inf,{i % 2}\n" for i in range(30)))
    case("csv", "inf_everywhere.csv", "infinite values (inf), which a network cannot use",
         what="every feature value infinite", gui="train-refused")
    write(CSV / "nan_everywhere.csv", "x1,x2,label\n" + "".join(f"nan,NaN,{i % 2}\n"
                                                                for i in range(30)))
    case("csv", "nan_everywhere.csv", "No feature columns are selected: every column was left "
         "out — 'x1' (empty: every value is missing)",
         what="every feature value missing", gui="train-refused")
    write(CSV / "huge_numbers.csv", "x1,x2,label\n" + "".join(
        f"{(-1) ** i * 1e308},{i % 5},{i % 2}\n" for i in range(30)))
    case("csv", "huge_numbers.csv", "Column 'x1' has 30 values too large for a network (beyond "
         "±1e+30), such as 1e+308 (row 1).", what="numbers near the largest float (1e308)",
         gui="train-refused")
    write(CSV / "one_class.csv", "x1,x2,label\n" + "".join(f"{i},{i % 3},yes\n" for i in range(30)))
    case("csv", "one_class.csv", "The target 'label' has only one value ('yes')",
         what="a target with one class", gui="train-refused", subprocess=True)
    rng = np.random.default_rng(2)
    write(CSV / "ten_thousand_classes.csv", "x1,x2,label\n" + "".join(
        f"{rng.normal():.2f},{rng.normal():.2f},c{i}\n" for i in range(10_000)))
    case("csv", "ten_thousand_classes.csv",
         "The target 'label' has 10,000 different values: too many classes to learn",
         what="a target with 10,000 classes", gui="train-refused")
    write(CSV / "target_all_missing.csv", "x1,x2,label\n" + "".join(f"{i},{i % 3},\n"
                                                                    for i in range(30)))
    case("csv", "target_all_missing.csv", "The target 'label' has no values: every row is missing.",
         what="an empty target column", gui="train-refused")
    write(CSV / "single_row.csv", "x1,x2,label\n1.5,2.5,1\n")
    case("csv", "single_row.csv", "No feature columns are selected: every column was left out — "
         "'x1' (constant", what="one row of data",
         gui="train-refused")
    write(CSV / "no_such_target.csv", good)
    case("csv", "no_such_target.csv", "There is no column named 'price'.",
         what="--target names a column the file does not have",
         cli=["train", "{file}", "--target", "price"], gui="cli-only")
    (CSV / "a_folder.csv").mkdir(exist_ok=True)
    write(CSV / "a_folder.csv" / "README", "a folder whose name ends in .csv\n")
    case("csv", "a_folder.csv", "is a folder, not a file", what="a folder named like a CSV")


# ----- project files -----------------------------------------------------------------------------
def make_projects() -> None:
    from nnstudio.core import project_file as pf
    from nnstudio.core.data.csv import read_csv
    from nnstudio.core.project import Project

    write(PROJ / "points.csv", "x1,x2,label\n" + rows(40, seed=3))
    ds = read_csv(PROJ / "points.csv")
    project = Project.from_dataset(ds, "label")
    base = pf.build_document(project, PROJ / "base.nnstudio")
    base["saved_at"] = "2025-01-01T00:00:00+00:00"
    base["data"]["absolute_path"] = None  # the corpus moves with the checkout

    def doc(**changes) -> dict:
        d = json.loads(json.dumps(base))
        for k, v in changes.items():
            if isinstance(v, dict) and isinstance(d.get(k), dict):
                d[k].update(v)
            else:
                d[k] = v
        return d

    def dump(name: str, d) -> None:
        write(PROJ / name, json.dumps(d, indent=2) + "\n")

    dump("good.nnstudio", base)  # not a case: the reference the others are made from
    write(PROJ / "not_json.nnstudio", "{ this is not json,\n  \"version\": 2 \n")
    case("project", "not_json.nnstudio", "is not an nnstudio project file: it is not valid JSON",
         what="text that is not JSON", subprocess=True)
    write(PROJ / "empty.nnstudio", b"")
    case("project", "empty.nnstudio", "is not an nnstudio project file: it is empty",
         what="an empty project file")
    good = (PROJ / "good.nnstudio").read_text()
    write(PROJ / "truncated.nnstudio", good[: len(good) // 2])
    case("project", "truncated.nnstudio", "it is not valid JSON (line",
         what="a project cut off half way (a failed copy)")
    write(PROJ / "binary.nnstudio", bytes(range(256)) * 4)
    case("project", "binary.nnstudio", "is not an nnstudio project file: it is not text",
         what="binary bytes")
    dump("not_ours.nnstudio", {"name": "my notes", "items": [1, 2, 3], "version": 2})
    case("project", "not_ours.nnstudio", "not_ours.nnstudio is not an nnstudio project file.",
         what="JSON from another program")
    dump("json_list.nnstudio", [1, 2, 3])
    case("project", "json_list.nnstudio", "is not an nnstudio project file.",
         what="a JSON list, not an object")
    dump("future_version.nnstudio", doc(version=99, app_version="9.0.0"))
    case("project", "future_version.nnstudio",
         "This project was saved by a newer nnstudio (saved by nnstudio 9.0.0): file format "
         "version 99", what="a project from a future schema version")
    dump("bad_version.nnstudio", doc(version="two"))
    case("project", "bad_version.nnstudio", "The project file has an invalid version ('two').",
         what="a version that is not a number")
    dump("missing_data.nnstudio", doc(data={"path": "moved_away.csv", "absolute_path": None,
                                            "name": "moved_away.csv"}))
    case("project", "missing_data.nnstudio",
         "The data file of project 'missing_data.nnstudio' was not found",
         what="a project pointing at a missing CSV (the GUI asks where it is; cancelled here)")
    keras_zip = HERE / "_tmp.zip"
    with zipfile.ZipFile(keras_zip, "w") as z:
        z.writestr("config.json", "{}")
    shutil.move(keras_zip, PROJ / "renamed_model.nnstudio")
    case("project", "renamed_model.nnstudio", "it is a zip archive (a Keras .keras model?)",
         what="a .keras model renamed to .nnstudio")
    dump("escape_relative.nnstudio", doc(data={"path": "../../../../../../../../../etc/passwd",
                                               "absolute_path": None, "name": "passwd"}))
    case("project", "escape_relative.nnstudio", "is not a data table",
         what="a data path climbing out to /etc/passwd")
    dump("escape_absolute.nnstudio", doc(data={"path": None, "absolute_path": "/etc/shadow",
                                               "name": "shadow"}))
    case("project", "escape_absolute.nnstudio", "is not a data table",
         what="an absolute data path to a sensitive file")
    dump("escape_model.nnstudio", doc(trained={
        "model": "../../../../../../tmp/nnstudio-evil/model-0000000000000000.keras",
        "model_sha256": None, "history": None, "preprocessor": {}, "summary": {}}))
    case("project", "escape_model.nnstudio", "outside the project's folder",
         what="a trained-model entry pointing outside the project's folder",
         gui="opened-with-warning", cli=None)  # `train` does not read the trained model
    deep = "[" * 20_000 + "]" * 20_000
    write(PROJ / "deep_nesting.nnstudio", deep)
    case("project", "deep_nesting.nnstudio", "is not an nnstudio project file",
         what="JSON nested 20,000 levels deep")
    dump("bad_network.nnstudio", doc(network={"hidden": [{"kind": "dense", "units": 10 ** 9,
                                                          "activation": "relu"}],
                                              "output": None}))
    case("project", "bad_network.nnstudio", "A Dense layer of 1000000000 units is too large",
         what="a network too large to build (10^9 units)")
    dump("bad_settings.nnstudio", doc(settings={"learning_rate": -1}))
    case("project", "bad_settings.nnstudio", "The learning rate must be a number above 0",
         what="a negative learning rate")
    dump("bad_split_seed.nnstudio", doc(split={"seed": "forty-two"}))
    case("project", "bad_split_seed.nnstudio", "The split seed must be a whole number",
         what="a split seed that is text")
    dump("wrong_columns.nnstudio", doc(roles={"target": "price", "features": ["x1", "x2"],
                                              "ignored": {}}))
    case("project", "wrong_columns.nnstudio", "has no column(s) 'price', which the project uses",
         what="roles naming columns the data does not have")
    dump("bad_encoding_option.nnstudio", doc(data={"read_options": {
        "delimiter": ",", "encoding": "rot13", "header": True, "decimal": ".", "na_values": []}}))
    case("project", "bad_encoding_option.nnstudio", "'rot13' is not a text encoding",
         what="CSV reading options with a codec that is not a text encoding")


# ----- model files -------------------------------------------------------------------------------
def make_models() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from nnstudio.core import export
    from nnstudio.core.project import Project
    from nnstudio.core.tf import keras as _keras
    from nnstudio.core.training.engine import Trainer

    keras = _keras()
    keras.utils.set_random_seed(0)
    write(MODEL / "points.csv", "x,y,class id\n" + "".join(
        f"{a:.3f},{b:.3f},{int((a > 0) != (b > 0))}\n"
        for a, b in np.random.default_rng(4).uniform(-1, 1, (40, 2))))
    write(MODEL / "other_columns.csv", "a,b,c\n1,2,3\n4,5,6\n")

    inp = keras.Input((2,))
    out = keras.layers.Dense(1)(keras.layers.Lambda(lambda x: x * 2.0, name="double")(inp))
    keras.Model(inp, out).save(str(MODEL / "lambda_layer.keras"))
    case("model", "lambda_layer.keras", "was refused: loading it would run Python code",
         what="a .keras file with a Lambda layer (needs unsafe deserialization)", subprocess=True)
    plain = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    plain.save(str(MODEL / "plain_keras.keras"))
    case("model", "plain_keras.keras", "is a Keras model, but not one exported by nnstudio",
         what="a Keras model that carries no column information")
    write(MODEL / "not_a_zip.keras", "this is a text file, not a model\n")
    case("model", "not_a_zip.keras", "'not_a_zip.keras' is not a Keras model file (.keras).",
         what="a text file named .keras")
    with zipfile.ZipFile(MODEL / "random_zip.keras", "w") as z:
        z.writestr("hello.txt", "hi")
    case("model", "random_zip.keras", "is a zip archive, but not a Keras model",
         what="a zip that holds no model")
    raw = (MODEL / "plain_keras.keras").read_bytes()
    write(MODEL / "truncated.keras", raw[: len(raw) // 2])
    case("model", "truncated.keras", "is not a Keras model file (.keras)",
         what="a model cut off half way")
    write(MODEL / "model.h5", b"\x89HDF\r\n\x1a\n" + bytes(64))
    case("model", "model.h5", "'model.h5' is not a Keras model file (.keras)", id="model-h5",
         what="a legacy HDF5 file", cli=["predict", "{file}", "{dir}/points.csv"])

    # an nnstudio export, then damaged copies of it
    p = Project.from_example("xor")
    from dataclasses import replace

    p.settings = replace(p.settings, epochs=2)
    data = p.prepare()
    result = Trainer(data, p.spec, p.settings).run()
    export.export_model(result, data, p, MODEL / "xor.keras")
    case("model", "xor.keras", "The data has no column(s) 'x', 'y', which the model needs.",
         id="model-predict-wrong-columns",
         what="a good model asked to predict a CSV without its columns",
         cli=["predict", "{file}", "{dir}/other_columns.csv"], gui="cli-only")
    with zipfile.ZipFile(MODEL / "xor.keras") as src, \
            zipfile.ZipFile(MODEL / "damaged_metadata.keras", "w") as dst:
        for item in src.infolist():
            data_ = src.read(item.filename)
            if item.filename == export.METADATA_NAME:
                data_ = b'{"format": "nnstudio-model", "preprocessing": '
            dst.writestr(item, data_)
    case("model", "damaged_metadata.keras", "The nnstudio metadata inside 'damaged_metadata.keras' "
         "is damaged.", what="an export whose metadata is cut off")


def main() -> None:
    for folder in (CSV, PROJ, MODEL):
        if folder.exists():
            shutil.rmtree(folder)
    make_csv()
    make_projects()
    make_models()
    (HERE / "cases.json").write_text(json.dumps(
        {"about": "Malformed inputs and the message each must produce; see make_corpus.py and "
                  "tests/reliability/test_corpus.py. {file} is the case's file, {dir} its folder.",
         "cases": CASES}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(CASES)} cases")


if __name__ == "__main__":
    main()
