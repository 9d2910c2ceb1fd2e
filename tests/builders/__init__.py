"""Test tooling: lay a transcription out as its province's form and render it as every source a user brings.

See README.md in this folder.
"""
