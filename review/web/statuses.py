"""The HTTP status of a typed error: the web layer's mapping, the only place statuses are chosen."""

from __future__ import annotations

from pipeline.errors import PeticionesError


def status_of(error: Exception) -> int:
    """The HTTP status of a typed error (its `http_status`); 500 for anything else."""
    return getattr(error, "http_status", 500) if isinstance(error, PeticionesError) else 500
