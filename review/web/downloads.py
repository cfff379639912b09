"""A file the browser saves under a name of ours (exports, the informe, the catalogue)."""

from __future__ import annotations

from fastapi.responses import Response


def attachment(content: bytes | str, media_type: str, name: str) -> Response:
    """`content` as a download named `name`; the name is ours (safe characters only), never the user's."""
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})
