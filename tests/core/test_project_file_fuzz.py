"""Fuzzing the project loader: whatever a file holds, the only exceptions are the app's own."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnstudio.core import project_file as pf
from nnstudio.core.errors import NNStudioError
from nnstudio.core.project import Project

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=10)

SECTIONS = ["format", "version", "data", "roles", "task", "preprocessing", "split", "network",
            "settings", "trained", "name"]


def _good_doc(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("fuzz")
    return json.loads(pf.save_project(Project.from_example("xor"), folder / "g.nnstudio").read_text())


def _load(tmp_path_factory, raw: bytes) -> None:
    path = tmp_path_factory.mktemp("f") / "p.nnstudio"
    path.write_bytes(raw)
    try:
        pf.load_project(path)
    except NNStudioError as e:
        assert e.user_text().strip()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(SECTIONS), key=st.one_of(st.none(), st.text(max_size=8)),
       value=json_values)
def test_mutated_documents_raise_only_app_errors(tmp_path_factory, section, key, value):
    doc = _good_doc(tmp_path_factory)
    if key is not None and isinstance(doc.get(section), dict):
        doc[section][key] = value
    else:
        doc[section] = value
    _load(tmp_path_factory, json.dumps(doc).encode())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_app_errors(tmp_path_factory, raw):
    _load(tmp_path_factory, raw)
