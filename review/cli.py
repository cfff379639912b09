"""The review/ commands (registered in pipeline/cli.py): `peticiones users` (users and API tokens), `catalogue
import|export`, `arco acceso`, `informe mensual` and `recordatorios`. Imports are light (typer only): what a
command needs loads when it runs."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
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
    from pipeline.terminal import context
    from pipeline.errors import ReviewError
    from review import auth
    from storage.tables import Role

    if role not in ROLES:
        raise typer.BadParameter(f"rol desconocido: {role} (use {', '.join(ROLES)})", param_hint="--role")
    password = _password()
    ctx = context()
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
    from pipeline.terminal import context
    from pipeline.errors import ReviewError
    from review import auth

    ctx = context()
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
    from pipeline.terminal import context
    from pipeline.errors import ReviewError
    from review import auth

    ctx = context()
    try:
        count = auth.revoke_api_tokens(ctx, name)
    except ReviewError as error:
        _fail(error)
    finally:
        ctx.close()
    typer.echo(f"{count} token(s) de la API de {name} revocado(s).", err=True)


# Catalogue: as a JSON file in the format of classifiers/catalogo.json, on behalf of an active admin (--usuario), as
# `peticiones arco` does; both leave their entry in the access log and the event log.

catalogue_app = typer.Typer(help="Catálogo de direcciones y programas como archivo JSON (importar, exportar).",
                            no_args_is_help=True)

USER = typer.Option("--usuario", help="Usuario administrador a cuyo nombre queda el cambio en la bitácora.")


def _catalogue_admin(ctx, name: str):
    """The actor behind a terminal command: an active user whose role may manage the catalogue."""
    from review import auth

    return auth.terminal_actor(ctx, name, "manage_catalogue",
                               f"{name} no es administrador(a): el catálogo lo cambia sólo la administración. "
                               "Indique en --usuario un administrador activo.")


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
    from pipeline.terminal import context, refuse, say
    from pipeline.errors import ReviewError
    from review import admin

    with file.open("rb") as handle:
        data = handle.read(MAX_BYTES + 1)  # enough to tell it is too big without reading all of a huge file
    ctx = context()
    try:
        counts = admin.import_catalogue(ctx, _catalogue_admin(ctx, user), data, replace=replace)
    except ReviewError as error:
        refuse(error)
    finally:
        ctx.close()
    say(f"Catálogo importado de {file}: {admin.describe_import(counts, replace)}. Queda en la bitácora a nombre de "
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
    from pipeline.terminal import context, refuse, say
    from pipeline.errors import ReviewError
    from review import admin
    from storage.files import write_atomic

    ctx = context()
    try:
        text = admin.export_catalogue(ctx, _catalogue_admin(ctx, user))
    except ReviewError as error:
        refuse(error)
    finally:
        ctx.close()
    if out is None:
        print(text, end="", flush=True)
        return
    write_atomic(out, text.encode("utf-8"))
    say(f"Catálogo activo en {out}. Queda en la bitácora a nombre de {user}.")


arco_app = typer.Typer(help="Derechos ARCO de los peticionarios (acceso; rectificación y demás después).",
                       no_args_is_help=True)


@arco_app.command("acceso")
def arco_access(
    document: Annotated[list[int], typer.Option("--documento", help="Número de documento del peticionario; "
                                                                   "repetible.")],
    out: Annotated[Path, typer.Option(help="Archivo .zip a escribir (nuevo). Contiene datos personales: entréguelo "
                                           "sólo al titular o a su representante.")],
    user: Annotated[str, typer.Option("--usuario", help="Usuario administrador que atiende la solicitud.")],
) -> None:
    """Expediente del derecho de acceso: un ZIP con todo lo que se conserva de los documentos indicados (resumen
    para imprimir, datos en JSON y copia de los archivos), legible sólo para su dueño y anotado en la bitácora."""
    from pipeline.errors import ReviewError
    from pipeline.terminal import context, refuse, say
    from review import auth
    from review.reports import arco

    ctx = context()
    try:
        who = auth.terminal_actor(ctx, user, "arco_access",
                                  f"{user} no es administrador(a): el derecho de acceso lo atiende sólo la "
                                  "administración. Indique en --usuario un administrador activo.")
        summary = arco.dossier(ctx, who, document, out)
    except ReviewError as error:
        refuse(error)
    finally:
        ctx.close()
    say(f"Expediente ARCO en {out} (sólo lectura para su dueño): {summary.documents} documento(s) y "
        f"{summary.files} archivo(s) copiados; {summary.bytes / 1e6:.1f} MB. Queda en la bitácora de accesos a "
        f"nombre de {user}.")
    print(json.dumps(summary.as_json(), ensure_ascii=False))


report_app = typer.Typer(help="Informes de la gerencia.", no_args_is_help=True)


@report_app.command("mensual")
def monthly_command(
    mes: Annotated[str, typer.Option("--mes", help="Mes del informe, AAAA-MM (por ejemplo 2026-11).")],
    out: Annotated[Path, typer.Option("--out", help="Archivo PDF a escribir.")],
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="También en Excel, una hoja por tabla.")] = None,
    user: Annotated[Optional[str], typer.Option(
        "--usuario", help="Usuario de gerencia o administración que lo genera (queda en la bitácora de accesos); "
                          "sin él, la cuenta del servidor que ejecuta la orden.")] = None,
) -> None:
    """Informe mensual para la oficina del Gobernador: recibidas, respondidas en plazo y fuera de plazo, vencidas
    por dirección, principales programas y municipios, con gráficas y una página por dirección."""
    from pipeline.errors import ReviewError
    from pipeline.terminal import REFUSED, context, refuse, say
    from review import auth
    from review.reports import monthly_pdf
    from review.turnos import calendar
    from storage.tables import utcnow

    for path in (out, xlsx):
        if path is not None and not path.parent.is_dir():
            say(f"La carpeta {path.parent} no existe: indique un archivo en una carpeta que exista.")
            raise typer.Exit(REFUSED)
    ctx = context()
    try:
        who = auth.console_actor() if user is None else auth.terminal_actor(
            ctx, user, "report", f"{user} no es de gerencia ni de administración: el informe mensual lo generan "
                                 "sólo esos perfiles. Indique en --usuario uno activo.")
        today = calendar.local_date(utcnow(), ctx.settings.timezone)
        made, pdf, sheet = monthly_pdf.produce(ctx, who, mes, today, with_xlsx=xlsx is not None)
    except ReviewError as error:
        refuse(error)
    finally:
        ctx.close()
    out.write_bytes(pdf)
    if xlsx is not None:
        xlsx.write_bytes(sheet)
    say(f"Informe mensual de {made.title} en {out}{f' y {xlsx}' if xlsx else ''}: "
        f"{made.whole.informe.total.received} peticiones recibidas, {len(made.directorates)} direcciones. "
        f"Queda en la bitácora de accesos a nombre de {who.name}.")


def reminders_command(
    fecha: Annotated[Optional[str], typer.Option("--fecha", help="Día hábil AAAA-MM-DD; por omisión hoy en la zona "
                                                              "horaria de la oficina.")] = None,
    simular: Annotated[bool, typer.Option("--simular", help="Muestra qué se enviaría y a quién, sin enviar ni "
                                                            "registrar nada.")] = False,
) -> None:
    """Recordatorio de vencimientos: a cada dirección con correo, un correo con sus turnos vencidos y por vencer
    (sin datos personales). Una sola vez por día hábil y dirección, aunque se ejecute de nuevo o el servicio ya lo
    haya enviado."""
    import datetime as dt

    from pipeline.terminal import REFUSED, SOME_FAILED, context, say
    from review import dates
    from review.notify import mail, reminders
    from review.turnos import calendar
    from storage.tables import utcnow

    ctx = context()
    try:
        try:
            day = dt.date.fromisoformat(fecha) if fecha else calendar.local_date(utcnow(), ctx.settings.timezone)
        except ValueError:
            say(f"Fecha no válida: {fecha}. Escríbala como AAAA-MM-DD, por ejemplo 2026-03-02.")
            raise typer.Exit(REFUSED)
        shown = dates.day(day)
        if simular or not mail.enabled(ctx.settings):
            with ctx.sessions() as session:
                office_day = reminders.is_office_day(session, day)
                digests = reminders.due(session, day) if office_day else []
                sent = reminders.sent_on(session, day)
            outcome = None
        else:  # send_daily finds what is due itself: not twice
            outcome = reminders.send_daily(ctx, day)
            office_day = outcome.office_day
            digests = outcome.sent + [d for d, _ in outcome.failed] + outcome.already + outcome.without_address
        if not office_day:
            say(f"El {shown} no es día hábil (fin de semana, día festivo o cierre de la oficina): no se envían "
                "recordatorios.")
            return
        if not digests:
            say(f"Al {shown} ninguna dirección tiene turnos vencidos ni por vencer: no hay recordatorios que enviar.")
            return
        if simular:
            _preview(ctx, digests, sent)
            return
        if outcome is None:
            say("El correo no está configurado (PETICIONES_SMTP_HOST): no se envió nada. Con --simular verá qué se "
                "enviaría.")
            raise typer.Exit(REFUSED)
    finally:
        ctx.close()
    for digest in outcome.sent:
        say(f"Enviado a {digest.name} ({digest.address}): vencidos {len(digest.overdue)}, "
            f"por vencer {len(digest.due_soon)}.")
    for digest in outcome.already:
        say(f"{digest.name}: el recordatorio del {shown} ya se había enviado (o se está enviando); no se repite.")
    for digest in outcome.without_address:
        say(f"{digest.name}: sin correo en el catálogo; no se envió (vencidos {len(digest.overdue)}, "
            f"por vencer {len(digest.due_soon)}).")
    for digest, error in outcome.failed:
        say(f"No se envió a {digest.name} ({digest.address}): {error.code}. {error.user_message} Queda pendiente: "
            "el servicio lo reintenta hoy mismo, o ejecute de nuevo este comando.")
    if outcome.failed:
        raise typer.Exit(SOME_FAILED)


def _preview(ctx, digests, sent) -> None:
    """--simular: each reminder as it would go (recipient, subject, text) on stdout; nothing sent or recorded."""
    from pipeline.terminal import say
    from review.notify import reminders
    from review.turnos import calendar

    would = 0
    for digest in digests:
        if digest.address is None:
            say(f"{digest.name}: sin correo en el catálogo; no se enviaría (vencidos {len(digest.overdue)}, "
                f"por vencer {len(digest.due_soon)}).")
            continue
        if digest.directorate in sent:
            when = calendar.local_time(sent[digest.directorate], ctx.settings.timezone)
            say(f"{digest.name}: ya se envió el {when}; no se enviaría de nuevo.")
            continue
        would += 1
        print(f"Para: {digest.name} <{digest.address}>")
        print(f"Asunto: {reminders.subject(digest)}")
        print()
        print(reminders.body(digest, ctx.settings.public_url, ctx.settings.office_name))
    say(f"Simulación: se enviarían {would} correo(s). No se envió ni se registró nada.")
