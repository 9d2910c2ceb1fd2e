"""The export tasks' old import path, kept for tasks queued before they moved to `tables.exports.jobs`.

django_tasks_db stores each queued task's dotted path (`tables.bulk_export.run_export`)
in its row and imports it when a worker picks the row up; a queue written by the
previous release still names this module. Nothing in the code imports it; delete
it one release after the move, once no such row can be waiting.
"""

from tables.exports.jobs import maintain_exports, run_export

__all__ = ["maintain_exports", "run_export"]
