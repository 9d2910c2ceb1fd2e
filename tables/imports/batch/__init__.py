"""批量导入: many files uploaded at once (several files or a zip) and imported one by one by the task
worker. `uploads.py` reads and checks what was uploaded (the zip's safety rules), `jobs.py` records the
batch and imports each file, `views.py` the upload page and the batch's page."""
