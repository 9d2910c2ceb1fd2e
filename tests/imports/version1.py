"""A `target-table/2` export seen as `target-table/1`: what the seeds' expected files hold.

Export writes version 2. Its version-1 keys are what version 1 wrote, and a seed's
table stores nothing that only version 2 has, so dropping the version-2 keys (which
must then be null) gives the version-1 document. A version-2 key that is *not* null
is kept, so a comparison with the expected file fails on it.
"""

from __future__ import annotations

from indicators.record import RECORD_FIELDS

V2_TABLE_KEYS = ("department", "long_term_goal", "schedule", "footer")
V2_PROJECT_KEYS = ("attribute", "category", "start", "end", "manager", "phone")


def as_version_1(data: dict) -> dict:
    """`data` (a table or a booklet, version 2) with its null version-2 keys dropped and format /1."""
    data = dict(data)
    if "projects" in data:
        data["projects"] = [as_version_1(project) for project in data["projects"]]
        return data
    assert data["format"] == "target-table/2"
    data["format"] = "target-table/1"
    _drop_nulls(data, V2_TABLE_KEYS)
    if data.get("project") is not None:
        data["project"] = _drop_nulls(dict(data["project"]), V2_PROJECT_KEYS)
    data["indicators"] = [_drop_nulls(dict(row), RECORD_FIELDS) for row in data["indicators"]]
    return data


def _drop_nulls(data: dict, keys) -> dict:
    for key in keys:
        if key in data and data[key] is None:
            del data[key]
    return data
