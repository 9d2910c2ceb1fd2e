"""The one module that reads ../shared, the corpus kept beside the repository on the team's machines.

A clone alone has no ../shared: everything here then skips, and the rest of the suite runs on the
copies under tests/data/. Tests that need a larger outside corpus (such as ../shared/provinces/)
belong here too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SEEDS

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_SEEDS = SHARED / "seeds"

pytestmark = pytest.mark.skipif(not SHARED_SEEDS.is_dir(), reason="no ../shared/seeds beside the repository")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_seeds_in_the_repository_are_byte_identical_to_the_shared_ones():
    shared, ours = _files(SHARED_SEEDS), _files(SEEDS)
    assert sorted(ours) == sorted(shared)
    assert [name for name in shared if shared[name] != ours[name]] == []
