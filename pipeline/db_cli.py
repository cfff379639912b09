"""`peticiones db ...`: migrations, backup and restore (registered in pipeline/cli.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from pipeline.terminal import console, context, log_export, refuse, say

db_app = typer.Typer(help="Base de datos.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Aplica las migraciones pendientes (también se aplican al arrancar)."""
    context()
    console.print("Base de datos al día.")


@db_app.command("respaldo")
def db_backup(
    out: Annotated[Path, typer.Option(help="Archivo .tar a escribir (nuevo). Contiene datos personales: guárdelo "
                                           "fuera del servidor, en un lugar con acceso restringido.")],
) -> None:
    """Respalda en un solo archivo la base de datos y las carpetas archivo/, procesado/, salida/ y cuarentena/,
    aunque el servicio esté corriendo. El archivo queda legible sólo para su dueño."""
    from storage import backup

    ctx = context()
    try:
        summary = backup.create(out, ctx.settings.home, ctx.settings.db_url)
    except backup.BackupError as error:
        refuse(error)
    log_export(ctx, "backup", out)
    say(f"Respaldo en {out} (sólo lectura para su dueño): base {summary.database} en la revisión "
        f"{summary.revision} y {summary.files - 1} archivos; {summary.bytes / 1e6:.1f} MB en total.")
    print(json.dumps(summary.as_json(), ensure_ascii=False))


@db_app.command("restaurar")
def db_restore(
    archive: Annotated[Path, typer.Argument(help="Respaldo .tar hecho con `peticiones db respaldo`.", exists=True,
                                            dir_okay=False)],
    home: Annotated[Path, typer.Option("--home", help="Carpeta nueva o vacía donde restaurar (será PETICIONES_HOME).")],
    database_url: Annotated[Optional[str], typer.Option(help="Sólo para un respaldo de PostgreSQL: URL de una base "
                                                             "vacía donde restaurarlo.")] = None,
) -> None:
    """Restaura un respaldo en una carpeta vacía, revisando cada archivo contra la huella de su manifiesto antes de
    dejarlo en su lugar. Nunca reemplaza nada."""
    from storage import backup

    os.umask(0o077)  # the restored database and files are owner-only (backup.restore sets their modes too)
    try:
        summary = backup.restore(archive, home, database_url)
    except backup.BackupError as error:
        refuse(error)
    check = f"PETICIONES_HOME={home}" + (" PETICIONES_DATABASE_URL=..." if database_url else "")
    say(f"Restaurados la base {summary.database} (revisión {summary.revision}) y {summary.files - 1} archivos de "
        f"{archive} en {home}, cada uno igual a su huella sha256. Revise con: {check} peticiones status")
    print(json.dumps(summary.as_json(), ensure_ascii=False))
