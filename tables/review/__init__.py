"""The review workflow: who submits, reviews, returns and approves, and what each step leaves behind.

The package: `workflow.py` (the transitions and who may make them), `diff.py`
(what changed between two versions), `notifications.py` (who is told what),
`forms.py`, `access.py` (how a view loads a table or requires a role),
`panel.py` (the review panel of a table's page), `urls.py`, and the pages in
`views/`: the review page (`page.py`), its transitions (`transitions.py`),
comments, snapshots and diffs, the queue, the dashboard and notifications.
Views translate HTTP into calls of `tables.review.workflow`; a refused
transition comes back as a message on the page it was made from and changes nothing.
"""
