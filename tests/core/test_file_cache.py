"""The cache of files derived from the user's data (a workbook's sheet as CSV, an unpacked
archive): entries published whole, nothing left by a failed write, and bounded in count and
in bytes (an unpacked 1 GB table must not stay in the temporary folder beside others)."""
import os

import pytest

from nnstudio.core.data import file_cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    base = tmp_path / "cache"
    monkeypatch.setattr(file_cache, "root", lambda: base)
    return base


def _write(name: str, size: int, when: int) -> None:
    with file_cache.writing(name) as folder:
        (folder / "table.csv").write_bytes(b"x" * size)
        (folder / "done").write_text("")
    os.utime(file_cache.root() / name, (when, when))


def test_an_entry_is_published_whole_and_found_by_its_marker(cache):
    _write("a", 10, 1_000)
    assert file_cache.entry("a", "done") == cache / "a"
    assert file_cache.entry("a", "missing") is None
    assert file_cache.entry("b", "done") is None
    assert [p.name for p in cache.iterdir()] == ["a"]  # no half-written folder left


def test_a_failed_write_leaves_nothing(cache):
    with pytest.raises(RuntimeError), file_cache.writing("a") as folder:
        (folder / "table.csv").write_text("1,2\n")
        raise RuntimeError("cancelled")
    assert list(cache.iterdir()) == []


def test_the_oldest_entries_beyond_the_count_are_removed(cache, monkeypatch):
    monkeypatch.setattr(file_cache, "KEEP", 3)
    for i in range(5):
        _write(f"e{i}", 10, 1_000 + i)
    assert sorted(p.name for p in cache.iterdir()) == ["e2", "e3", "e4"]


def test_the_oldest_entries_beyond_the_byte_cap_are_removed(cache, monkeypatch):
    monkeypatch.setattr(file_cache, "MAX_BYTES", 2_500)
    _write("old", 1_000, 1_000)
    _write("mid", 1_000, 2_000)
    _write("new", 1_000, 3_000)  # 3,000 bytes in all: the oldest goes
    assert sorted(p.name for p in cache.iterdir()) == ["mid", "new"]
    _write("huge", 10_000, 4_000)  # over the cap alone: kept (it is being read), the rest go
    assert [p.name for p in cache.iterdir()] == ["huge"]
