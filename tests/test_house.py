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


#: QWidget's virtual methods that Qt itself calls (PySide calls a Python attribute of that name
#: instead): an attribute named so breaks the widget, quietly.
QT_VIRTUALS = {"metric", "event", "paintEngine", "sizeHint", "minimumSizeHint", "heightForWidth",
               "hasHeightForWidth", "setVisible", "devType", "initPainter", "redirected",
               "sharedPainter", "inputMethodQuery", "focusNextPrevChild", "nativeEvent",
               "eventFilter", "childEvent", "timerEvent", "customEvent", "connectNotify",
               "disconnectNotify"}


def test_no_widget_attribute_hides_a_method_qt_calls():
    """The curves view kept its metric name in ``self.metric``: every paint logged "Error calling
    Python override of QWidget::metric(): TypeError: 'str' object is not callable" (the importance
    view kept a combo box there). Qt's own calls of such a method reach the attribute."""
    found = []
    for path in sorted((PACKAGE / "ui").rglob("*.py")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for m in re.finditer(r"\bself\.(\w+)\s*(?::[^=]+)?=(?!=)", line):
                if m.group(1) in QT_VIRTUALS:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{n} self.{m.group(1)}")
    assert not found, f"rename these attributes: {found}"
