"""Every export format, loaded in a fresh process by its own runtime, predicts what the app predicts.

One tiny network is trained once (module fixture) on raw columns of every kind (numbers with missing
values filled, a text category, a two-valued text column, a 0/1 column, a column name with a
space) and exported in every format. Each runtime then reads the raw rows from a CSV and its
predictions are compared with the app's own within 1e-5. The generated script is run to the end
and must reach the app's test accuracy within a few points.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pandas as pd
import pytest

from nnstudio.core import evaluate, export, model_file
from nnstudio.core.data.dataset import Dataset
from nnstudio.core.data.preprocess import PreprocessConfig
from nnstudio.core.model.spec import LayerSpec, NetworkSpec
from nnstudio.core.project import Project
from nnstudio.core.training.settings import TrainSettings

TOL = 1e-5


def make_frame(n: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(50, 10, n)
    x2 = rng.uniform(0, 1, n)
    color = rng.choice(["red", "green", "blue"], n)
    flag = rng.choice(["no", "yes"], n)
    active = rng.integers(0, 2, n)
    z = (x1 - 50) / 5 + 3 * (x2 - 0.5) + 2.5 * (color == "red") - 2 * (flag == "yes") + active - 0.5
    x1 = x1.round(3)
    x1[rng.choice(n, 20, replace=False)] = np.nan  # filled with the training mean
    outcome = np.where(z > 0, "leave", "stay")
    # one thing typed several ways, read as one (the project says so): every runtime reads them
    typed = rng.uniform(size=n) < 0.15
    color = np.where(typed, np.char.add(np.char.capitalize(color.astype(str)), " "), color)
    outcome = np.where(rng.uniform(size=n) < 0.1, np.char.upper(outcome.astype(str)), outcome)
    return pd.DataFrame({"Row Id": np.arange(n), "x1": x1, "x 2": x2.round(4), "color": color,
                         "flag": flag, "active": active, "outcome": outcome})


def run_py(code: str, cwd, timeout: int = 240) -> dict:
    """Run ``code`` in a fresh Python; it prints one JSON object as its last line."""
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True,
                       text=True, timeout=timeout,
                       env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def exported(tf_loaded, tmp_path_factory):
    from nnstudio.core.training.engine import train

    folder = tmp_path_factory.mktemp("export")
    project = Project.from_dataset(Dataset(make_frame(), "roundtrip", source=None), "outcome")
    project.preprocess = PreprocessConfig(per_column={"x1": {"missing": "mean"},
                                                      "color": {"spelling": "merge"},
                                                      "outcome": {"spelling": "merge"}})
    project.spec = NetworkSpec([LayerSpec.dense(8, "relu"), LayerSpec.dropout(0.1),
                                LayerSpec.dense(4, "tanh")])
    project.settings = TrainSettings(epochs=25, batch_size=16, learning_rate=0.02, jit_compile=False)
    data = project.prepare()
    result = train(data, project.spec, project.settings)
    paths = export.export_model(result, data, project, folder / "out")
    # the rows every runtime predicts: the test split plus rows missing x1 (filled by the model)
    rows = pd.concat([data.raw_test, data.raw_train.head(5).assign(x1=np.nan)], ignore_index=True)
    rows.to_csv(folder / "rows.csv", index=False)
    app = evaluate.predict_frame(result.model, data.preprocessor, rows)
    np.save(folder / "app.npy", app[evaluate.positive_column(data.preprocessor)].to_numpy(np.float64))
    return {"dir": folder, "out": folder / "out", "paths": paths, "result": result, "data": data,
            "project": project, "rows": rows, "app": app}


def test_every_format_was_written(exported):
    out = exported["out"]
    names = {p.split("/")[-1] for p in exported["paths"]}
    for f in export.FORMATS.values():
        assert f.filename in names, f.key
    assert "roundtrip.csv" in names  # the data beside the script (it did not come from a file)
    with zipfile.ZipFile(out / "model.keras") as z:
        meta = json.loads(z.read("nnstudio.json"))
    assert meta["target"] == "outcome" and meta["classes"] == ["leave", "stay"]
    assert [s["column"] for s in meta["inputs"]] == ["x1", "x 2", "color", "flag", "active"]
    assert meta["training"]["epochs"] == 25 and meta["network"]["hidden"][0]["units"] == 8
    assert meta["preprocessing"]["columns"][0]["impute_value"] == pytest.approx(
        exported["data"].preprocessor.columns[0].impute_value)
    assert "Row Id" not in [s["column"] for s in meta["inputs"]]
    hist = pd.read_csv(out / "history.csv")
    assert list(hist["epoch"]) == list(range(1, 26))
    assert np.allclose(hist["val_loss"], exported["result"].history["val_loss"])


def test_keras_and_savedmodel_in_fresh_tensorflow(exported):
    got = run_py("""
        import json, numpy as np, pandas as pd, keras, tensorflow as tf
        rows = pd.read_csv("rows.csv")
        app = np.load("app.npy")
        model = keras.saving.load_model("out/model.keras")   # plain Keras, safe mode (its default)
        inputs = {"x1": rows["x1"].to_numpy("float32"), "x 2": rows["x 2"].to_numpy("float32"),
                  "color": tf.constant(rows["color"].astype(str)), "flag": tf.constant(rows["flag"].astype(str)),
                  "active": rows["active"].to_numpy("float32")}
        k = model.predict(inputs, verbose=0)[:, 0]
        sm = tf.saved_model.load("out/saved_model")
        portable = dict(inputs, x_2=inputs.pop("x 2"))
        s = sm.serve(portable).numpy()[:, 0]
        print(json.dumps({"keras": float(np.abs(k - app).max()), "saved_model": float(np.abs(s - app).max()),
                          "n": len(k), "sub": model.get_layer("nnstudio_net").count_params()}))
    """, exported["dir"])
    assert got["n"] == len(exported["rows"])
    assert got["keras"] < TOL and got["saved_model"] < TOL
    assert got["sub"] == exported["result"].model.count_params()


def test_onnx_in_onnxruntime(exported):
    got = run_py("""
        import json, sys, numpy as np, pandas as pd, onnx, onnxruntime as ort
        rows = pd.read_csv("rows.csv")
        app = np.load("app.npy")
        meta = json.loads({p.key: p.value for p in onnx.load("out/model.onnx").metadata_props}["nnstudio"])
        feed = {}
        for spec in meta["portable_inputs"]:
            col = rows[spec["column"]]
            feed[spec["input"]] = (col.fillna("").astype(str).to_numpy(object) if spec["dtype"] == "string"
                                   else col.to_numpy(np.float32))
        sess = ort.InferenceSession("out/model.onnx")
        p = sess.run(None, {i.name: feed[i.name] for i in sess.get_inputs()})[0][:, 0]
        print(json.dumps({"diff": float(np.abs(p - app).max()), "tf": "tensorflow" in sys.modules}))
    """, exported["dir"])
    assert got["diff"] < TOL and not got["tf"]


def test_tflite_in_the_litert_interpreter(exported):
    got = run_py("""
        import json, sys, numpy as np, pandas as pd
        from ai_edge_litert.interpreter import Interpreter
        rows = pd.read_csv("rows.csv")
        app = np.load("app.npy")
        meta = json.load(open("out/model.nnstudio.json"))
        feed = {}
        for spec in meta["portable_inputs"]:
            col = rows[spec["column"]]
            feed[spec["input"]] = (col.fillna("").astype(str).to_numpy().astype(np.bytes_)
                                   if spec["dtype"] == "string" else col.to_numpy(np.float32))
        runner = Interpreter(model_path="out/model.tflite").get_signature_runner()
        p = list(runner(**feed).values())[0][:, 0]
        print(json.dumps({"diff": float(np.abs(p - app).max()), "tf": "tensorflow" in sys.modules}))
    """, exported["dir"])
    assert got["diff"] < TOL and not got["tf"]


def test_weights_json_and_npz_with_plain_numpy(exported):
    """The weights files plus their preprocessing description are enough to predict in NumPy."""
    got = run_py("""
        import json, numpy as np, pandas as pd
        rows = pd.read_csv("rows.csv")
        app = np.load("app.npy")
        doc = json.load(open("out/weights.json"))
        pre = doc["metadata"]["preprocessing"]

        def encode(frame):
            parts = []
            for c in pre["columns"]:
                s = frame[c["name"]]
                if c["impute_value"] is not None:
                    s = s.fillna(c["impute_value"])
                if c["kind"] == "numeric" or c["categories"] == [0, 1]:
                    parts.append(((s.to_numpy(float) - c["center"]) / c["scale"])[:, None])
                else:
                    codes = np.array([c["categories"].index(v) for v in s.astype(str)])
                    parts.append(np.eye(len(c["categories"]))[codes] if c["kind"] == "categorical"
                                 else codes[:, None].astype(float))
            return np.hstack(parts).astype(np.float32)

        act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z,
               "sigmoid": lambda z: 1 / (1 + np.exp(-z))}

        def run(layers, get):
            x = encode(rows)
            for layer in layers:
                if layer["type"] == "Dense":
                    x = act[layer["activation"]](x @ get(layer["kernel"]) + get(layer["bias"]))
            return x[:, 0]

        a = run(doc["layers"], lambda v: np.asarray(v, np.float32))
        npz = np.load("out/weights.npz")
        b = run(json.loads(str(npz["layers"])), lambda key: npz[key])
        print(json.dumps({"json": float(np.abs(a - app).max()), "npz": float(np.abs(b - app).max())}))
    """, exported["dir"])
    assert got["json"] < TOL and got["npz"] < TOL


def test_generated_script_trains_to_the_apps_accuracy(exported):
    script = exported["out"] / "train_model.py"
    text = script.read_text()
    assert "import keras" in text and "import pandas as pd" in text and "nnstudio.core" not in text
    assert "layers.Dense(8, activation='relu')" in text and "layers.Dropout(0.1)" in text
    assert "'x1': 'mean'" in text  # the project's missing-value choice
    r = subprocess.run([sys.executable, str(script)], cwd=exported["dir"], capture_output=True,
                       text=True, timeout=300,
                       env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert r.returncode == 0, r.stderr[-3000:]
    acc = float(r.stdout.split("Test accuracy:")[1].split()[0])
    assert abs(acc - exported["result"].test["accuracy"]) <= 0.05, (acc, exported["result"].test)
    assert "Confusion matrix" in r.stdout


def test_opened_keras_file_predicts_and_exports_again(exported, tmp_path):
    lm = model_file.load(exported["out"] / "model.keras")
    assert lm.is_nnstudio and lm.preprocessor.to_dict() == exported["data"].preprocessor.to_dict()
    table = evaluate.predict_frame(lm.net, lm.preprocessor, exported["rows"])
    col = evaluate.positive_column(lm.preprocessor)
    assert np.allclose(table[col], exported["app"][col], atol=TOL)
    assert any("Trained 25 epochs" in line for line in lm.summary_lines())
    again = export.export(model_file.trained_model(lm, data_frame=make_frame()), tmp_path,
                          ["weights_json", "script"])
    assert {p.split("/")[-1] for p in again} == {"weights.json", "train_model.py", "roundtrip.csv"}


def test_unsafe_file_is_refused(tf_loaded, tmp_path):
    keras = tf_loaded.keras()
    m = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda x: x * 2), keras.layers.Dense(1)])
    m.save(tmp_path / "lambda.keras")
    with pytest.raises(model_file.UnsafeModelError, match="refused"):
        model_file.load(tmp_path / "lambda.keras")
    (tmp_path / "junk.keras").write_text("not a zip")
    with pytest.raises(model_file.ProjectError, match="not a Keras model"):
        model_file.load(tmp_path / "junk.keras")
