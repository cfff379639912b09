"""The stage list that takes a stored document to the review queue, its configuration, CLI and task queue."""
