"""`peticiones users ...`: create users and API tokens from the command line (registered in pipeline/cli.py)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, Optional

import typer

users_app = typer.Typer(help="Usuarios de la aplicación web y tokens de la API.", no_args_is_help=True)

ROLES = ("capturista", "revisor", "enlace", "gerente", "admin")


def _password() -> str:
    """First line of standard input, or typed twice on a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Contraseña: ")
    if getpass.getpass("Repita la contraseña: ") != first:
        raise typer.BadParameter("Las contraseñas no coinciden.")
    return first


def _fail(error) -> None:
    """A typed refusal: its Spanish message and code on stderr, exit code 2 (README, «Códigos de salida»)."""
    typer.echo(f"{error.user_message} ({error.code})", err=True)
    raise typer.Exit(2)


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Nombre de usuario.")],
    role: Annotated[str, typer.Option(help="capturista, revisor, enlace, gerente o admin.")],
    directorate: Annotated[Optional[str], typer.Option(help="Clave de la dirección (sólo para enlace).")] = None,
) -> None:
    """Crea un usuario; la contraseña se lee de la primera línea de la entrada estándar o se pide dos veces."""
    from pipeline.cli import _context
    from pipeline.errors import ReviewError
    from review import auth
    from storage.tables import Role

    if role not in ROLES:
        raise typer.BadParameter(f"rol desconocido: {role} (use {', '.join(ROLES)})", param_hint="--role")
    password = _password()
    ctx = _context()
    try:
        auth.add_user(ctx, name, Role(role), password, directorate)
    except ReviewError as error:
        _fail(error)
    finally:
        ctx.close()
    typer.echo(f"Usuario {name} ({role}) creado.", err=True)


@users_app.command("token")
def token(name: Annotated[str, typer.Argument(help="Nombre de usuario.")]) -> None:
    """Crea un token para la API y lo imprime en la última línea (se muestra sólo esta vez)."""
    from pipeline.cli import _context
    from pipeline.errors import ReviewError
    from review import auth

    ctx = _context()
    try:
        value = auth.new_api_token(ctx, name)
    except ReviewError as error:
        _fail(error)
    finally:
        ctx.close()
    typer.echo("Guárdelo ahora: no se vuelve a mostrar. Úselo como 'Authorization: Bearer <token>'.", err=True)
    print(value, flush=True)


@users_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="Nombre de usuario.")]) -> None:
    """Revoca todos los tokens de la API del usuario (dejan de servir de inmediato)."""
    from pipeline.cli import _context
    from pipeline.errors import ReviewError
    from review import auth

    ctx = _context()
    try:
        count = auth.revoke_api_tokens(ctx, name)
    except ReviewError as error:
        _fail(error)
    finally:
        ctx.close()
    typer.echo(f"{count} token(s) de la API de {name} revocado(s).", err=True)
