"""The house rules that no linter checks by itself (issue 15): a function-level import says why it is
lazy, and no module grows past the size the architecture notes allow."""
from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "nnstudio"
MARKER = re.compile(r"#\s*noqa:\s*PLC0415(?P<rest>.*)$")


def test_every_lazy_import_says_why():
    bare = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = MARKER.search(line)
            if m and not re.match(r"\s*--\s*lazy:\s*\S", m.group("rest")):
                bare.append(f"{path.relative_to(PACKAGE.parent)}:{n}")
    assert not bare, f"lazy imports without '-- lazy: <reason>': {bare}"


def test_no_module_is_over_600_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert not long, f"split these (docs/architecture.md): {long}"
