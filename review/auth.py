"""Passwords (argon2 through pwdlib), browser sessions, API tokens and login throttling.

Only hashes of secrets reach the database: argon2 for passwords; SHA-256 for session and API tokens, which are
long random strings (a slow hash adds nothing there and would slow every request).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from pwdlib import PasswordHash

from pipeline.context import Context
from review.errors import Forbidden, InvalidInput, NotAuthenticated, TooManyAttempts
from storage.users import UnknownUser
from review import passwords
from review.roles import Actor, log_access
from storage import access, users
from storage.tables import Role, aware, utcnow

_hasher = PasswordHash.recommended()
# Verifying against this when the name is unknown takes as long as a real check: timing does not reveal names.
_DUMMY_HASH = _hasher.hash("peticiones-dummy-password")
def hash_password(password: str, name: str, role: Role) -> str:
    """The argon2 hash of a password that passes the policy (review/passwords.py), else WeakPassword."""
    passwords.check(password, name, role)
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def actor_of(user, ip: str | None, via: str) -> Actor:
    return Actor(user.id, user.name, user.role, user.directorate, ip, via)


def terminal_actor(ctx: Context, name: str, permission: str, refusal: str) -> Actor:
    """The active user a terminal command acts for (--usuario), refused with Forbidden and `refusal` (Spanish)
    unless their role has `permission`."""
    with ctx.sessions() as session:
        who = actor_of(users.active_by_name(session, name), None, "cli")
    if not who.may(permission):
        raise Forbidden(f"{name} ({who.role.value}) may not {permission}", user_message=refusal)
    return who


def console_actor() -> Actor:
    """Whoever runs a terminal command on the server without naming a user: the machine's own account, which can
    read the whole data folder anyway, in the access log under its login name."""
    import getpass

    return Actor(None, f"consola ({getpass.getuser()})", Role.admin, via="cli")


def add_user(ctx: Context, name: str, role: Role, password: str, directorate: str | None = None) -> None:
    """Create a user (an enlace needs its directorate); the password is stored as an argon2 hash."""
    from storage import catalogue

    name = name.strip()
    if not name:
        raise InvalidInput("empty name", user_message="El nombre de usuario no puede quedar vacío.")
    if role == Role.enlace and not directorate:
        raise InvalidInput("enlace without directorate", user_message="Un enlace necesita su dirección (--directorate).")
    hashed = hash_password(password, name, role)
    with ctx.sessions.begin() as session:
        if directorate and directorate not in {d.code for d in catalogue.load(session).directorates}:
            from review.errors import UnknownDirectorate

            raise UnknownDirectorate(directorate)
        users.add(session, name, role, hashed, directorate if role == Role.enlace else None)


def new_api_token(ctx: Context, name: str) -> str:
    """A new API token for an active user, valid api_token_days; only its hash is kept, so it is shown once."""
    token = "pt_" + secrets.token_urlsafe(32)
    with ctx.sessions.begin() as session:
        user = users.active_by_name(session, name)
        users.add_token(session, user.id, token_hash(token), utcnow() + dt.timedelta(days=ctx.settings.api_token_days))
        access.record(session, user.id, user.name, "api_token_created", ip=None, via="cli")
    return token


def revoke_api_tokens(ctx: Context, name: str) -> int:
    """Revoke every API token of a user (active or not); how many were live."""
    with ctx.sessions.begin() as session:
        user = users.by_name(session, name.strip())
        if user is None:
            raise UnknownUser(name)
        count = users.revoke_tokens(session, user.id)
        access.record(session, user.id, user.name, "api_tokens_revoked", target=f"{count} tokens", ip=None, via="cli")
    return count


@dataclass(frozen=True)
class Login:
    token: str  # goes in the cookie
    csrf: str
    actor: Actor


def login(ctx: Context, name: str, password: str, ip: str | None) -> Login:
    """Check a password under the throttle; on success open a server-side session."""
    name = name.strip()[:100]
    # The refusal is raised after the commit: a failed attempt must be recorded to count.
    refusal = None
    with ctx.sessions.begin() as session:
        wait = throttle_wait(session, ctx.settings, name, ip)
        if wait > 0:  # not recorded as an attempt: waiting out the delay is all a client can do
            access.record(session, None, name, "login_throttled", ip=ip)
            refusal = TooManyAttempts(f"{name}: {wait:.1f} s", user_message=_wait_message(wait))
        else:
            user = users.by_name(session, name)
            valid = _hasher.verify(password, user.password_hash if user else _DUMMY_HASH)
            if not valid or user is None or not user.active:
                users.record_attempt(session, name, ip, False)
                access.record(session, user.id if user else None, name, "login_failed", ip=ip)
                refusal = NotAuthenticated(name, user_message="Usuario o contraseña incorrectos.")
            else:
                users.record_attempt(session, name, ip, True)
                token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
                users.open_session(session, user.id, token_hash(token), csrf,
                                   utcnow() + dt.timedelta(hours=ctx.settings.session_hours), ip)
                access.record(session, user.id, user.name, "login", ip=ip)
                result = Login(token, csrf, actor_of(user, ip, "web"))
    if refusal is not None:
        raise refusal
    return result


def throttle_wait(session, settings, name: str, ip: str | None) -> float:
    """Seconds this login attempt must still wait (0: it may try). Failures are counted per account and client
    (login_max_failures), per client whatever the names and per account whatever the clients (4 times as many);
    past a limit each further attempt waits login_delay_seconds, doubled with each failure, at most the window. A
    client guessing names slows itself, not the office behind the same proxy; nobody is locked out for good."""
    now = utcnow()
    since = now - dt.timedelta(seconds=settings.login_window_seconds)
    limit = settings.login_max_failures
    wait = 0.0
    for keys, most, after_success in (({"name": name, "ip": ip}, limit, True), ({"ip": ip}, limit * 4, False),
                                      ({"name": name}, limit * 4, True)):
        if "ip" in keys and ip is None:
            continue
        count, last = users.recent_failures(session, since, after_success=after_success, **keys)
        if count >= most and last is not None:
            delay = min(settings.login_delay_seconds * 2 ** min(count - most, 30), settings.login_window_seconds)
            wait = max(wait, (last + dt.timedelta(seconds=delay) - now).total_seconds())
    return wait


def _wait_message(seconds: float) -> str:
    when = f"{math.ceil(seconds)} segundos" if seconds < 90 else f"{math.ceil(seconds / 60)} minutos"
    return f"Demasiados intentos fallidos. Espere {when} antes de volver a intentar."


def logout(ctx: Context, token: str, actor: Actor) -> None:
    with ctx.sessions.begin() as session:
        users.revoke_session(session, token_hash(token))
        log_access(session, actor, "logout")


def session_actor(read_sessions, token: str, ip: str | None) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live browser session (a read: no write lock taken)."""
    with read_sessions() as session:
        found = users.find_session(session, token_hash(token))
        if found is None:
            return None
        row, user = found
        return actor_of(user, ip, "web"), row.csrf_token


TOKEN_TOUCH = dt.timedelta(minutes=5)  # how finely a token's last use is kept


def token_actor(ctx: Context, read_sessions, token: str, ip: str | None) -> Actor | None:
    """The actor behind a live API token (None if unknown, revoked or expired); its last use is noted."""
    now = utcnow()
    with read_sessions() as session:
        found = users.user_for_token(session, token_hash(token), ctx.settings.api_token_days, now)
        if found is None:
            return None
        user, row = found
        stale = row.last_used_at is None or aware(row.last_used_at) < now - TOKEN_TOUCH
        result = actor_of(user, ip, "api")
    if stale:
        with ctx.sessions.begin() as session:
            users.touch_token(session, row.id, now, TOKEN_TOUCH)
    return result


def client_ip(request, trusted_proxies: Sequence[str] = ()) -> str | None:
    """Where a web or API request came from, for the access log and login throttling: the connection's address, or,
    when that is a trusted proxy, the first address in X-Forwarded-For (read from the right) that is not one."""
    peer = request.client.host if request.client else None
    forwarded = request.headers.get("x-forwarded-for")
    if not trusted_proxies or peer is None or not forwarded:
        return peer
    networks = _networks(tuple(trusted_proxies))
    hop = peer
    for sent in reversed([part.strip() for part in forwarded.split(",")]):
        if not _within(hop, networks):
            break
        try:
            hop = str(ipaddress.ip_address(sent))
        except ValueError:  # a forged or garbled entry: the last trusted hop is all that is known
            break
    return hop


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _within(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == network.version and ip in network for network in networks)
