"""The review pages, one module per section of the workflow."""
