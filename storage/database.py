"""Engine and sessions: SQLite (WAL, full sync, one writer at a time) by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# A database that stops answering (a network cut, a lock never released) must fail the work in hand, which is then
# retried or recorded, not hold a worker or a web request forever. libpq's own settings: give up connecting after
# 10 s; notice a dead server within about a minute (keepalives, and unacknowledged writes); cancel a statement after
# 5 min (the longest real one, a migration's backfill, takes seconds per chunk), a lock wait after 60 s (as SQLite's
# busy timeout), and a session left idle inside a transaction after 10 min.
POSTGRES_LIMITS = {
    "connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
    "tcp_user_timeout": 60_000,
    "options": "-c statement_timeout=300000 -c lock_timeout=60000 -c idle_in_transaction_session_timeout=600000",
}


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create the engine; for SQLite, WAL mode and writer transactions that wait instead of failing.

    `read_only` (SQLite): transactions that only read, begun DEFERRED so they neither take nor wait for the
    writer lock (WAL gives each one a snapshot); the web app reads through such an engine.
    """
    if not url.startswith("sqlite"):
        limits = POSTGRES_LIMITS if url.startswith("postgres") else {}
        return create_engine(url, pool_pre_ping=True, connect_args=limits)
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _begin below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a committed intake must survive power loss, because the inbox file is removed right after.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # IMMEDIATE takes the write lock up front: a deferred transaction that reads then writes can fail with
        # SQLITE_BUSY without waiting when another worker wrote in between.
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the Alembic migrations up to `revision`."""
    _migrate(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo the migrations after `revision` (the tests of a migration's fill start from the one before it)."""
    _migrate(engine, command.downgrade, revision)


def _migrate(engine: Engine, step, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
