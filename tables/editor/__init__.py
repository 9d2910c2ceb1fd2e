"""The step-by-step editor: start a table, five steps, htmx row editing, paste, suggestions, catalog.

Views translate between HTTP and `editing.py` / `starting.py`; they hold no domain
logic. The htmx contract (see STYLE.md and tables/middleware.py):

* a cell or form autosave (`hx-swap="none"`) answers with out-of-band
  fragments only (the new base, the row's state, the value's parse, the
  step bar and the findings), so the text a user is typing elsewhere is
  never replaced;
* a structural change (insert, delete, move, paste, undo) answers with the
  whole grid;
* 422 = invalid input, 409 = the row or form changed since the user saw it
  (the answer shows the newer values and offers a reload), 403 = read-only;
* `X-Table-Version` carries the table's version after every write (the one
  channel the page takes it from), and `HX-Trigger` the events
  `editor:saved` / `editor:written` / `editor:focus` (ASCII JSON).

The package: `views.py` (the start page, the steps, suggestions, the
catalog), `rows.py` (the row endpoints: autosave, insert, delete, move, undo, paste),
`responses.py` (the htmx answers), `context.py` (what a step's page shows),
`display.py` (rows and value parses drawn for the grid), `steps.py` (the five
steps and their findings), `access.py` (loading a table for a view), `forms.py`,
`editing.py` (the domain writes: a row's autosave and every other edit),
`starting.py` (starting a table), `pasted_tasks.py` (task rows pasted into
step 2) and `urls.py`.
"""
