"""Numbers taken from paths, queries and forms, bounded where they arrive: a database integer is 64 bits, and a
larger id or offset would fail in the driver (a 500) instead of being a clear 422."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_INT = 2 ** 63 - 1

Id = Annotated[int, Path(ge=0, le=MAX_INT)]  # a document, page, user or answer number in a path
Offset = Annotated[int, Query(ge=0, le=MAX_INT)]  # where a listing starts
OptionalId = Annotated[int | None, Query(ge=0, le=MAX_INT)]
