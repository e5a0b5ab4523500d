from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from workers import Workers


@pytest.fixture
def workers():
    """Worker processes of one test, all killed at its end."""
    w = Workers()
    yield w
    w.kill_all()
