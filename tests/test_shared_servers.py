"""PostgreSQL by URL and a Redis queue: the set-up for workers on several machines, with real servers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from pipeline import runner
from pipeline.context import Context
from pipeline.settings import Settings
from storage import database, events
from storage.tables import Document, StageRun, State
from tests.pages import LETTERS, small_page
from tests.servers import fresh_database, redis_server
from tests.test_runner import intake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_url():
    with redis_server() as url:
        yield url


def test_postgresql_migrates_processes_and_keeps_the_log_append_only(postgres_url, tmp_path):
    ctx = Context.open(Settings(home=tmp_path / "data", database_url=fresh_database(postgres_url)))
    try:
        path = tmp_path / "carta.png"
        small_page(LETTERS[0]).save(path, dpi=(150, 150))
        document_id = intake(ctx, path).document_id
        assert runner.process(ctx, document_id).state == State.review
        with ctx.sessions.begin() as session:
            events.record(session, "login", "ana")
        with pytest.raises(DatabaseError):
            with ctx.engine.begin() as connection:
                connection.execute(text("DELETE FROM events"))
    finally:
        ctx.close()


def test_a_watcher_and_a_separate_worker_share_a_redis_queue_and_postgresql(service, home, tmp_path, postgres_url,
                                                                          redis_url):
    url = fresh_database(postgres_url)
    shared = {"PETICIONES_DATABASE_URL": url, "PETICIONES_QUEUE_URL": redis_url, "PETICIONES_WORKERS": "1"}
    watcher = service("watch", **shared).start()
    worker = service("worker", **shared).start()
    for i in range(6):
        staging = tmp_path / f"p{i}.png"
        small_page(f"Solicitud {i}. {LETTERS[i % 3]}").save(staging, dpi=(150, 150))
        staging.rename(home / "entrada" / staging.name)
    engine = database.make_engine(url)

    def in_review() -> int:
        with engine.connect() as db:
            return db.scalar(select(func.count()).select_from(Document).where(Document.state == State.review))

    watcher.wait_for(lambda: in_review() == 6, 240, "six documents in review")
    with engine.connect() as db:
        workers = set(db.scalars(select(StageRun.worker)))
    engine.dispose()
    pids = {str(watcher.process.pid), str(worker.process.pid)}
    # A stage run's worker is host:pid:task (a lease per task): the pid says which process ran it.
    assert workers and {w.split(":")[1] for w in workers} <= pids


def test_postgresql_routes_with_unique_folios_under_concurrency_and_keeps_the_access_log(postgres_url, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from fastapi.testclient import TestClient

    from review import auth
    from review.turnos import routing
    from review.web.app import create_app
    from storage.tables import Role, Routing
    from tests.review_helpers import actor, document_in_review, make_user, version_of

    ctx = Context.open(Settings(home=tmp_path / "data", database_url=fresh_database(postgres_url)))
    try:
        make_user(ctx, "ana", Role.revisor)
        ana = actor(ctx, "ana")
        waiting = [document_in_review(ctx) for _ in range(8)]
        with ThreadPoolExecutor(4) as pool:  # four reviewers at once: every folio is taken exactly once
            folios = list(pool.map(lambda d: routing.confirm(ctx, ana, d, version=version_of(ctx, d),
                                                             program="las_jefas").folio, waiting))
        assert sorted(int(f.rsplit("-", 1)[1]) for f in folios) == list(range(1, 9))

        last = document_in_review(ctx)
        token = auth.new_api_token(ctx, "ana")
        with TestClient(create_app(ctx)) as client:
            headers = {"Authorization": f"Bearer {token}"}
            body = {"program": "las_jefas", "directorate": "programas_sociales", "version": version_of(ctx, last)}
            assert client.post(f"/api/v1/documents/{last}/decision", json=body, headers=headers).status_code == 200
            assert client.post(f"/api/v1/documents/{last}/decision", json=body, headers=headers).status_code == 409
        with ctx.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Routing)) == 9
            assert session.scalar(text("SELECT count(*) FROM access_log WHERE action = 'decision'")) >= 1
        with pytest.raises(DatabaseError):
            with ctx.engine.begin() as connection:
                connection.execute(text("UPDATE access_log SET user_name = 'nadie'"))
    finally:
        ctx.close()


def test_a_postgresql_backup_restores_into_an_empty_database_and_needs_pg_dump(postgres_url, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from pipeline.cli import app
    from tests.review_helpers import document_in_review

    url = fresh_database(postgres_url)
    ctx = Context.open(Settings(home=tmp_path / "data", database_url=url))
    try:
        waiting = [document_in_review(ctx, pdf=b"%PDF-1.4 prueba"), document_in_review(ctx, text="Pido despensa.")]
    finally:
        ctx.close()
    monkeypatch.setenv("PETICIONES_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PETICIONES_DATABASE_URL", url)
    out = tmp_path / "peticiones.tar"
    with monkeypatch.context() as without_tools:
        without_tools.setenv("PATH", str(tmp_path))  # no pg_dump here
        missing = CliRunner().invoke(app, ["db", "respaldo", "--out", str(out)])
    assert missing.exit_code == 2 and "pg_dump" in missing.output and not out.exists()

    made = CliRunner().invoke(app, ["db", "respaldo", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout.strip().splitlines()[-1])["database"] == "postgresql"

    target, home = fresh_database(postgres_url), tmp_path / "restaurado"
    restore = ["db", "restaurar", str(out), "--home", str(home)]
    assert CliRunner().invoke(app, restore).exit_code == 2  # a PostgreSQL backup needs --database-url
    assert CliRunner().invoke(app, [*restore, "--database-url", url]).exit_code == 2  # that one has tables
    done = CliRunner().invoke(app, [*restore, "--database-url", target])
    assert done.exit_code == 0, done.output

    assert (home / "procesado" / str(waiting[0]) / f"documento-{waiting[0]}.pdf").read_bytes() == b"%PDF-1.4 prueba"
    monkeypatch.setenv("PETICIONES_HOME", str(home))
    monkeypatch.setenv("PETICIONES_DATABASE_URL", target)
    status = CliRunner().invoke(app, ["status", "--json"])
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["documents"]["by_state"] == {"review": 2}
    engine = database.make_engine(target)
    try:
        with engine.connect() as db:
            assert list(db.scalars(select(Document.id).order_by(Document.id))) == waiting
        with pytest.raises(DatabaseError):  # the restored log is append-only too: its triggers came back
            with engine.begin() as connection:
                connection.execute(text("DELETE FROM events"))
    finally:
        engine.dispose()


def test_postgresql_keeps_a_long_escaped_name_and_path_whole(postgres_url, tmp_path):
    """A 254-byte Latin-1 name, escaped, is ~1,000 characters, and a path up to 4,096 bytes: PostgreSQL refused
    them (VARCHAR(500) and (2000)), so such a file was retried for ever and never reported (found by the hostile
    drop). The migrated schema is also exactly the code's on PostgreSQL."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from storage import documents, fulltext
    from storage.tables import Base, utcnow

    ctx = Context.open(Settings(home=tmp_path / "data", database_url=fresh_database(postgres_url)))
    try:
        with ctx.engine.connect() as connection:
            # Left out, with their reason in declared_by_model: the full-text index's generated tsvector column
            # and its GIN index, which the migration builds and a model cannot declare.
            without_index = MigrationContext.configure(connection, opts={"include_name": fulltext.declared_by_model})
            assert compare_metadata(without_index, Base.metadata) == []
        name = "carta-" + "\\xe9" * 250 + ".pdf"
        path = "/entrada/" + "carpeta/" * 300 + name
        with ctx.sessions.begin() as session:
            document_id = documents.add(session, "prueba", state=State.received, original_name=name, source_path=path,
                                        channel="correspondencia", received_at=utcnow(), sha256="0" * 64,
                                        archive_path="00/00/x.pdf").id
        with ctx.sessions() as session:
            row = session.get(Document, document_id)
            assert (row.original_name, row.source_path) == (name, path) and len(path) > 3000
    finally:
        ctx.close()


def test_a_lock_never_released_fails_the_write_instead_of_holding_the_worker_forever(postgres_url, monkeypatch):
    # The office's limits (storage.database.POSTGRES_LIMITS) with the lock wait shortened for the test.
    monkeypatch.setitem(database.POSTGRES_LIMITS, "options",
                        database.POSTGRES_LIMITS["options"].replace("lock_timeout=60000", "lock_timeout=1500"))
    url = fresh_database(postgres_url)
    holder, worker = database.make_engine(url), database.make_engine(url)
    try:
        with worker.connect() as connection:
            assert connection.execute(text("SHOW statement_timeout")).scalar() == "5min"
            assert connection.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "10min"
        with holder.begin() as held:
            held.execute(text("CREATE TABLE tarea (id int)"))
        with holder.begin() as held:
            held.execute(text("LOCK TABLE tarea IN ACCESS EXCLUSIVE MODE"))  # and never lets go while the test runs
            with pytest.raises(DatabaseError, match="lock timeout"):
                with worker.begin() as connection:
                    connection.execute(text("INSERT INTO tarea VALUES (1)"))
    finally:
        holder.dispose()
        worker.dispose()
