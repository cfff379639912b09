"""What an admin changes: users (create, deactivate, reset password, role and directorate) and the catalogue of
programs and directorates, one row at a time or a whole catalogue file (import, export). Every change is in the
access log; catalogue changes also in the event log with the values before and after."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from sqlalchemy import select

from classifiers import catalogue_file
from classifiers.catalogue_file import CODE
from pipeline.context import Context
from review.errors import InvalidInput, UnknownDirectorate
from storage.users import UnknownUser
from review import auth
from review.turnos import calendar
from review.roles import Actor, log_access, require
from storage import catalogue, events, users
from storage.tables import Directorate, Program, Role, User, aware, utcnow
from storage.events import EventKind


def _user(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UnknownUser(str(user_id))
    return user


def _role(code: str) -> Role:
    try:
        return Role(code)
    except ValueError:
        raise InvalidInput(f"role {code!r}", user_message="Elija un perfil de la lista.") from None


def _log(session, actor: Actor, action: str, target: str) -> None:
    log_access(session, actor, action, target=target)


def create_user(ctx: Context, actor: Actor, name: str, role: str, password: str, directorate: str | None) -> None:
    require(actor, "manage_users")
    auth.add_user(ctx, name, _role(role), password, directorate or None)
    with ctx.sessions.begin() as session:
        _log(session, actor, "user_created", f"{name.strip()} ({role})")


def change_user(ctx: Context, actor: Actor, user_id: int, *, action: str, password: str = "", role: str = "",
                directorate: str | None = None) -> None:
    """activate, deactivate (its sessions and API tokens end), password (its sessions and API tokens end),
    revoke_tokens, or role (with an enlace's directorate)."""
    require(actor, "manage_users")
    with ctx.sessions() as session:
        user = _user(session, user_id)
        name, current = user.name, user.role
    # Hashed outside the write transaction (argon2 takes a while), against the user's name and current role.
    hashed = auth.hash_password(password, name, current) if action == "password" else None
    with ctx.sessions.begin() as session:
        user = _user(session, user_id)
        if action in ("deactivate", "activate"):
            if user.id == actor.user_id:
                raise InvalidInput("own account", user_message="No puede dar de baja su propia cuenta.")
            user.active = action == "activate"
            if not user.active:  # a reactivated user gets new tokens, not the old ones back
                users.revoke_all_sessions(session, user.id)
                users.revoke_tokens(session, user.id)
            _log(session, actor, "user_deactivated" if not user.active else "user_activated", user.name)
        elif action == "password":
            users.set_password(session, user, hashed)
            users.revoke_all_sessions(session, user.id)
            users.revoke_tokens(session, user.id)
            _log(session, actor, "password_reset", user.name)
        elif action == "revoke_tokens":
            count = users.revoke_tokens(session, user.id)
            _log(session, actor, "api_tokens_revoked", f"{user.name}: {count} tokens")
        elif action == "role":
            new_role = _role(role)
            if new_role == Role.enlace:
                found = session.get(Directorate, directorate) if directorate else None
                # Active only, as when the user is created (auth.add_user): an inactive directorate gets no turnos.
                if found is None or not found.active:
                    raise UnknownDirectorate(str(directorate), user_message="Un enlace necesita su dirección, una "
                                                                            "activa del catálogo.")
            if user.id == actor.user_id and new_role != Role.admin:
                raise InvalidInput("own role", user_message="No puede quitarse a sí mismo el perfil de administración.")
            user.role, user.directorate = new_role, directorate if new_role == Role.enlace else None
            _log(session, actor, "user_role_changed", f"{user.name}: {new_role.value} {user.directorate or ''}".strip())
        else:
            raise InvalidInput(f"action {action!r}")


def user_list(session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.name)))


def token_rows(session, days: float) -> dict[int, list[dict]]:
    """Each user's unrevoked API tokens as the users page shows them: created, expires, last used (never the secret
    nor its hash)."""
    def expires(t) -> dt.datetime:
        return aware(t.expires_at) if t.expires_at else aware(t.created_at) + dt.timedelta(days=days)

    return {user_id: [{"created_at": aware(t.created_at), "expires_at": expires(t),
                       "last_used_at": aware(t.last_used_at) if t.last_used_at else None} for t in rows]
            for user_id, rows in users.tokens_of(session).items()}


def _days(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 365:
        raise InvalidInput(f"days {value!r}", user_message="Los días hábiles deben ser un número entre 1 y 365.")
    return int(value)


def _code(value: str) -> str:
    value = value.strip()
    if not CODE.fullmatch(value):
        raise InvalidInput(f"code {value!r}", user_message="La clave lleva de 2 a 60 minúsculas, números o guiones "
                                                            "bajos (por ejemplo: apoyo_vivienda).")
    return value


def save_program(ctx: Context, actor: Actor, *, code: str, name: str, directorate: str, synonyms: str,
                 deadline_days: str, active: bool, description: str = "") -> None:
    """Create or update a program: name, responsible directorate, synonyms (comma-separated), deadline, active."""
    require(actor, "manage_catalogue")
    code, name = _code(code), name.strip()[:300]
    if not name:
        raise InvalidInput("empty name", user_message="Escriba el nombre del programa.")
    words = [w.strip() for w in synonyms.replace("\n", ",").split(",") if w.strip()]
    days = _days(deadline_days)
    with ctx.sessions.begin() as session:
        if session.get(Directorate, directorate) is None:
            raise UnknownDirectorate(directorate)
        row = session.get(Program, code)
        before = _program_json(row) if row else None
        if row is None:
            row = Program(code=code, description=description)
            session.add(row)
        row.name, row.directorate, row.synonyms, row.deadline_days, row.active = name, directorate, words, days, active
        if description:
            row.description = description
        events.record(session, EventKind.catalogue_changed, actor.name, None, table="programs", code=code, before=before,
                      after=_program_json(row))
        _log(session, actor, "catalogue_changed", f"programa {code}")


def save_directorate(ctx: Context, actor: Actor, *, code: str, name: str, email: str, active: bool) -> None:
    """Create or update a directorate: name, e-mail for turnos, active."""
    require(actor, "manage_catalogue")
    code, name, email = _code(code), name.strip()[:300], email.strip()[:300]
    if not name:
        raise InvalidInput("empty name", user_message="Escriba el nombre de la dirección.")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput(f"email {email!r}", user_message="Escriba un correo electrónico válido o déjelo vacío.")
    with ctx.sessions.begin() as session:
        row = session.get(Directorate, code)
        before = {"name": row.name, "email": row.email, "active": row.active} if row else None
        if row is None:
            row = Directorate(code=code)
            session.add(row)
        row.name, row.email, row.active = name, email or None, active
        events.record(session, EventKind.catalogue_changed, actor.name, None, table="directorates", code=code, before=before,
                      after={"name": name, "email": row.email, "active": active})
        _log(session, actor, "catalogue_changed", f"dirección {code}")


def catalogue_rows(session) -> tuple[list[Directorate], list[Program]]:
    """Every directorate and program, inactive ones included (the catalogue the app uses shows active only)."""
    return (list(session.scalars(select(Directorate).order_by(Directorate.name))),
            list(session.scalars(select(Program).order_by(Program.name))))


def catalogue_names(session) -> dict[str, dict[str, str]]:
    """The directorates' and programs' names by code, inactive ones too: past turnos name them."""
    directorates, programs = catalogue_rows(session)
    return {"directorate": {d.code: d.name for d in directorates}, "program": {p.code: p.name for p in programs}}


def _program_json(row: Program) -> dict:
    return {"name": row.name, "directorate": row.directorate, "synonyms": list(row.synonyms or []),
            "deadline_days": row.deadline_days, "active": row.active}


def import_catalogue(ctx: Context, actor: Actor, data: bytes, *, replace: bool) -> dict[str, dict[str, int]]:
    """Upsert a catalogue file (the format of classifiers/catalogo.json) in one transaction, and with `replace`
    deactivate what it leaves out; the counts per table (added, updated, deactivated, unchanged). The whole file is
    checked first: a CatalogueFileError changes nothing."""
    require(actor, "manage_catalogue")
    parsed = catalogue_file.parse(data)
    with ctx.sessions.begin() as session:
        applied = catalogue.apply(session, parsed, replace=replace)
        for change in applied.changes:
            events.record(session, EventKind.catalogue_changed, actor.name, None, table=change.table, code=change.code,
                          before=change.before, after=change.after, source="import")
        counts = applied.counts()
        events.record(session, EventKind.catalogue_imported, actor.name, None, replace=replace, counts=counts,
                      sha256=hashlib.sha256(data).hexdigest())
        _log(session, actor, "catalogue_imported", describe_import(counts, replace))
    return counts


def describe_import(counts: dict[str, dict[str, int]], replace: bool) -> str:
    """The counts in a Spanish sentence, for the access log, the terminal and the page."""
    parts = []
    for table, noun, a in (("directorates", "direcciones", "a"), ("programs", "programas", "o")):
        c = counts[table]
        parts.append(f"{noun}: {c['added']} nuev{a}s, {c['updated']} actualizad{a}s, {c['deactivated']} "
                     f"desactivad{a}s, {c['unchanged']} sin cambios")
    return "; ".join(parts) + (" (reemplazo)" if replace else "")


def export_catalogue(ctx: Context, actor: Actor) -> str:
    """The active catalogue as a file `import_catalogue` reads back unchanged (directorates' e-mails stay out: they
    are set per installation on /admin/catalogo)."""
    require(actor, "manage_catalogue")
    today = calendar.local_date(utcnow(), ctx.settings.timezone).isoformat()
    with ctx.sessions.begin() as session:
        found = catalogue.active_rows(session)
        events.record(session, EventKind.catalogue_exported, actor.name, None, directorates=len(found.directorates),
                      programs=len(found.programs))
        _log(session, actor, "catalogue_exported", f"{len(found.directorates)} direcciones, "
                                                   f"{len(found.programs)} programas")
    return catalogue_file.dump(found, today, f"Catálogo activo exportado de la base de datos el {today}. Se importa "
                                             "con `peticiones catalogue import` o en /admin/catalogo.")
