"""`peticiones catalogue import|export`: the catalogue of directorates and programs as a JSON file in the format of
classifiers/catalogo.json (registered in pipeline/cli.py). Both act on behalf of an active admin (--usuario), as
`peticiones arco` does, and both leave their entry in the access log and the event log."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

catalogue_app = typer.Typer(help="Catálogo de direcciones y programas como archivo JSON (importar, exportar).",
                            no_args_is_help=True)

USER = typer.Option("--usuario", help="Usuario administrador a cuyo nombre queda el cambio en la bitácora.")


def _admin(ctx, name: str):
    """The actor behind a terminal command: an active user whose role may manage the catalogue."""
    from review import auth

    return auth.terminal_actor(ctx, name, "manage_catalogue",
                               f"{name} no es administrador(a): el catálogo lo cambia sólo la administración. "
                               "Indique en --usuario un administrador activo.")


def _fail(error) -> None:
    from pipeline.cli import _say

    _say(f"{error.user_message} ({error.code})")
    raise typer.Exit(2)


@catalogue_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Archivo JSON con «direcciones» y «programas», como "
                                              "classifiers/catalogo.json o el que da `catalogue export`.",
                                         exists=True, dir_okay=False)],
    user: Annotated[str, USER],
    replace: Annotated[bool, typer.Option("--replace", help="Desactiva las direcciones y programas que el archivo "
                                                           "no incluya (nunca se borran).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="El resumen como un objeto JSON en la salida "
                                                         "estándar.")] = False,
) -> None:
    """Agrega los programas y direcciones nuevos del archivo, actualiza (y reactiva) los que ya existen y, con
    --replace, desactiva los que no vienen. Revisa todo el archivo antes de cambiar nada."""
    from classifiers.catalogue_file import MAX_BYTES
    from pipeline.cli import _context, _say
    from pipeline.errors import ReviewError
    from review import admin

    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)  # enough to tell it is too big without reading all of a huge file
    ctx = _context()
    try:
        counts = admin.import_catalogue(ctx, _admin(ctx, user), data, replace=replace)
    except ReviewError as error:
        _fail(error)
    finally:
        ctx.close()
    _say(f"Catálogo importado de {file}: {admin.describe_import(counts, replace)}. Queda en la bitácora a nombre de "
         f"{user}.")
    if as_json:
        print(json.dumps({"file": str(file), "replace": replace, **counts}, ensure_ascii=False))


@catalogue_app.command("export")
def export_command(
    user: Annotated[str, USER],
    out: Annotated[Optional[Path], typer.Option("--out", help="Archivo JSON a escribir; sin él, a la salida "
                                                              "estándar.", dir_okay=False)] = None,
) -> None:
    """Escribe las direcciones y programas activos en el formato de classifiers/catalogo.json."""
    from pipeline.cli import _context, _say
    from pipeline.errors import ReviewError
    from review import admin
    from storage.files import write_atomic

    ctx = _context()
    try:
        text = admin.export_catalogue(ctx, _admin(ctx, user))
    except ReviewError as error:
        _fail(error)
    finally:
        ctx.close()
    if out is None:
        print(text, end="", flush=True)
        return
    write_atomic(out, text.encode("utf-8"))
    _say(f"Catálogo activo en {out}. Queda en la bitácora a nombre de {user}.")
