"""Users, their browser sessions and API tokens, and login attempts. Secrets are stored only as hashes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.errors import ReviewError
from storage.tables import ApiToken, LoginAttempt, Role, User, UserSession, aware, utcnow


class UserExists(ReviewError):
    code = "user_exists"
    http_status = 409
    user_message = "Ya existe un usuario con ese nombre."


class UnknownUser(ReviewError):
    code = "unknown_user"
    http_status = 422
    user_message = "No existe ese usuario o está dado de baja."


def add(session: Session, name: str, role: Role, password_hash: str, directorate: str | None = None) -> User:
    """Create a user; the name must be new."""
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise UserExists(name)
    user = User(name=name, role=role, password_hash=password_hash, directorate=directorate, active=True)
    try:
        with session.begin_nested():
            session.add(user)
    except IntegrityError as error:  # a concurrent add of the same name
        raise UserExists(name) from error
    return user


def any_admin(session: Session) -> bool:
    """Whether an active administrator exists: without one nobody can log in to create the others."""
    return session.scalar(select(User.id).where(User.role == Role.admin, User.active).limit(1)) is not None


def by_name(session: Session, name: str) -> User | None:
    return session.scalar(select(User).where(User.name == name))


def active_by_name(session: Session, name: str) -> User:
    """The active user with this name, or UnknownUser."""
    user = by_name(session, name)
    if user is None or not user.active:
        raise UnknownUser(name)
    return user


def set_password(session: Session, user: User, password_hash: str) -> None:
    user.password_hash = password_hash


def open_session(session: Session, user_id: int, token_hash: str, csrf_token: str, expires_at: dt.datetime,
                 ip: str | None) -> UserSession:
    row = UserSession(user_id=user_id, token_hash=token_hash, csrf_token=csrf_token, expires_at=expires_at, ip=ip)
    session.add(row)
    session.flush()
    return row


def find_session(session: Session, token_hash: str, now: dt.datetime | None = None) -> tuple[UserSession, User] | None:
    """The live session with this token hash and its active user; None if unknown, revoked or expired."""
    now = now or utcnow()
    row = session.execute(
        select(UserSession, User).join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == token_hash, UserSession.revoked_at.is_(None), User.active)
    ).first()
    if row is None or aware(row[0].expires_at) <= now:
        return None
    return row[0], row[1]


def revoke_session(session: Session, token_hash: str) -> bool:
    return bool(session.execute(
        update(UserSession).where(UserSession.token_hash == token_hash, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount)


def revoke_all_sessions(session: Session, user_id: int) -> int:
    return session.execute(
        update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount


def add_token(session: Session, user_id: int, token_hash: str, expires_at: dt.datetime) -> ApiToken:
    row = ApiToken(user_id=user_id, token_hash=token_hash, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def user_for_token(session: Session, token_hash: str, days: float,
                   now: dt.datetime | None = None) -> tuple[User, ApiToken] | None:
    """The active user holding this unrevoked, unexpired API token, and the token; `days` is the life of a token
    made before tokens had an expiry."""
    now = now or utcnow()
    row = session.execute(
        select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_hash, ApiToken.revoked_at.is_(None), User.active)
    ).first()
    if row is None:
        return None
    token = row[1]
    expires = aware(token.expires_at) if token.expires_at else aware(token.created_at) + dt.timedelta(days=days)
    return (row[0], token) if now < expires else None


def touch_token(session: Session, token_id: int, now: dt.datetime, every: dt.timedelta) -> None:
    """Note that a token was used, at most once per `every` (a write per API request would contend for SQLite's
    one writer)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id, or_(ApiToken.last_used_at.is_(None),
                                                                       ApiToken.last_used_at < now - every))
                    .values(last_used_at=now))


def revoke_tokens(session: Session, user_id: int) -> int:
    """Revoke every live API token of a user; how many were."""
    return session.execute(
        update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
    ).rowcount


def tokens_of(session: Session) -> dict[int, list[ApiToken]]:
    """Every user's unrevoked API tokens, newest first (expired ones included: the page says so)."""
    found: dict[int, list[ApiToken]] = {}
    for row in session.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))
                               .order_by(ApiToken.created_at.desc())):
        found.setdefault(row.user_id, []).append(row)
    return found


def record_attempt(session: Session, name: str, ip: str | None, succeeded: bool) -> None:
    session.add(LoginAttempt(name=name[:100], ip=ip, succeeded=succeeded))


def recent_failures(session: Session, since: dt.datetime, *, name: str | None = None, ip: str | None = None,
                    after_success: bool = True) -> tuple[int, dt.datetime | None]:
    """Failed logins since `since` for this name and/or from this address (whichever are given), and when the last
    one was; with `after_success`, only those after the last successful login with the same name and address."""
    keys = []
    if name is not None:
        keys.append(LoginAttempt.name == name)
    if ip is not None:
        keys.append(LoginAttempt.ip == ip)
    start = since
    if after_success:
        last_success = session.scalar(select(func.max(LoginAttempt.at)).where(*keys, LoginAttempt.succeeded,
                                                                             LoginAttempt.at >= since))
        start = max(since, aware(last_success)) if last_success is not None else since
    count, last = session.execute(
        select(func.count(), func.max(LoginAttempt.at))
        .where(*keys, LoginAttempt.succeeded.is_(False), LoginAttempt.at > start)
    ).one()
    return count, aware(last) if last is not None else None
