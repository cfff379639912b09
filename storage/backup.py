"""Backups (respaldo) and restores: one tar archive holding the database, the folders under HOME and a manifest.

The database is copied first and the folders after it: originals and derived files are written before the row that
names them is committed, so every file the copied database knows is in the archive (a few newer files may come
along, unreferenced, and are kept: nothing is lost). SQLite is copied with its online backup API, which reads one
committed snapshot while the service goes on writing; a plain copy of a WAL database can miss pages still in its
-wal file. PostgreSQL is copied with `pg_dump --format=custom` and restored with `pg_restore`.

The inbox (entrada/) is not included: its files are either archived already or still waiting for their first
intake. Neither is the task queue (cola.db): the service rebuilds it at start from the documents' states.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import io
import itertools
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url

from pipeline import paths
from pipeline.errors import PeticionesError
from storage import database
from storage.files import fsync_folder, write_streamed

FOLDERS = (paths.ARCHIVE, paths.PROCESSED, paths.OUTBOX, paths.QUARANTINE)
MANIFEST = "MANIFEST.json"
FORMAT = 1
DATABASE_FILES = {"sqlite": paths.DATABASE, "postgresql": "database.dump"}
TOOL_TIMEOUT = 6 * 3600.0  # seconds; a dump of years of petitions on a slow disk still fits
CHUNK = 1 << 20


class BackupError(PeticionesError):
    """A backup or restore that cannot be done as asked; nothing was overwritten."""

    code = "backup_failed"
    user_message = "No se pudo completar el respaldo o la restauración; avise al administrador."


class ToolMissing(BackupError):
    code = "backup_tool_missing"


class ToolFailed(BackupError):
    code = "backup_tool_failed"


class TargetNotEmpty(BackupError):
    code = "restore_target_not_empty"


class ArchiveInvalid(BackupError):
    code = "backup_archive_invalid"


@dataclass(frozen=True)
class Summary:
    """What a backup wrote or a restore put back."""

    archive: Path
    home: Path
    database: str  # "sqlite" or "postgresql"
    revision: str | None  # Alembic revision of the database
    files: int  # every file in the archive, the database included
    bytes: int

    def as_json(self) -> dict:
        return {"archive": str(self.archive), "home": str(self.home), "database": self.database,
                "revision": self.revision, "files": self.files, "bytes": self.bytes}


class _Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, reader):
        self.reader, self.digest, self.size = reader, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.reader.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def create(out: Path, home: Path, db_url: str, *, timeout: float = TOOL_TIMEOUT) -> Summary:
    """Write one archive of the database and the folders to `out`, atomically and readable by its owner only."""
    if out.exists():
        raise BackupError(f"{out} exists", user_message=f"Ya existe {out}; elija otro nombre (un respaldo nunca "
                                                        "reemplaza a otro).")
    url = make_url(db_url)
    kind = _kind(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    entries: list[dict] = []
    with tempfile.TemporaryDirectory(prefix=".respaldo-", dir=out.parent) as scratch:  # 0700: personal data
        copy = Path(scratch) / DATABASE_FILES[kind]
        revision = _copy_sqlite(Path(url.database), copy) if kind == "sqlite" else _dump_postgres(url, copy, timeout)

        def fill(handle) -> None:
            with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
                entries.append(_add(tar, copy, copy.name))
                for name, path in _home_files(home):
                    entry = _add(tar, path, name)
                    if entry is not None:
                        entries.append(entry)
                manifest = {"format": FORMAT, "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                            "peticiones_version": importlib.metadata.version("peticiones"),
                            "alembic_revision": revision, "database": {"kind": kind, "file": copy.name},
                            "files": entries}
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(data), 0o600, dt.datetime.now().timestamp()
                tar.addfile(info, io.BytesIO(data))

        write_streamed(out, fill, private=True)
    return Summary(out, home, kind, revision, len(entries), sum(e["size"] for e in entries))


def restore(archive: Path, home: Path, database_url: str | None = None, *, timeout: float = TOOL_TIMEOUT) -> Summary:
    """Put an archive back into an empty `home` (and, for PostgreSQL, into the empty database at `database_url`).

    Every file is checked against the manifest's sha256 in a hidden staging folder first; only then are the files
    moved to their final names, the SQLite database last.
    """
    try:
        tar = tarfile.open(archive, "r:")
    except (tarfile.TarError, OSError) as error:
        raise ArchiveInvalid(str(error), user_message=f"{archive} no es un respaldo legible (archivo .tar).") from None
    with tar:
        manifest = _manifest(tar)
        kind = manifest["database"]["kind"]
        if kind == "postgresql" and not database_url:
            raise BackupError("postgresql backup without --database-url",
                              user_message="El respaldo es de PostgreSQL: indique con --database-url una base vacía "
                                           "donde restaurarlo.")
        if kind == "sqlite" and database_url:
            raise BackupError("sqlite backup with --database-url",
                              user_message="El respaldo es de SQLite: se restaura como peticiones.db en la carpeta; "
                                           "no indique --database-url.")
        _refuse_unless_empty(home, database_url)
        created = not home.exists()
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = Path(tempfile.mkdtemp(prefix=".restaurando-", dir=home))  # same disk: the moves are renames
        try:
            _extract_verified(tar, manifest, staging)
            if kind == "postgresql":
                _run_tool("pg_restore", ["--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
                                         str(staging / manifest["database"]["file"])], make_url(database_url), timeout)
            _move_into(staging, home, manifest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            if created and not any(home.iterdir()):
                home.rmdir()
    files = manifest["files"]
    return Summary(archive, home, kind, manifest.get("alembic_revision"), len(files), sum(f["size"] for f in files))


def _kind(url: URL) -> str:
    kind = url.get_backend_name()
    if kind not in DATABASE_FILES:
        raise BackupError(kind, user_message=f"No se sabe respaldar una base {kind}; sólo SQLite y PostgreSQL.")
    return kind


def _copy_sqlite(source: Path, target: Path) -> str | None:
    """Copy a live SQLite database with the online backup API; return its Alembic revision."""
    if not source.is_file():
        raise BackupError(str(source), user_message=f"No existe la base de datos {source}.")
    # One backup step reads one snapshot: writers go on meanwhile (WAL), a reader never sees their uncommitted pages.
    with closing(sqlite3.connect(source, timeout=60)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("quick_check failed", user_message="La copia de la base de datos no pasó la revisión de "
                                                                 "integridad de SQLite; avise al administrador.")
        return _revision(copy.execute("SELECT version_num FROM alembic_version").fetchone())


def _dump_postgres(url: URL, target: Path, timeout: float) -> str | None:
    """Dump a PostgreSQL database with pg_dump in its custom format; return its Alembic revision."""
    engine = database.make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            revision = _revision(connection.execute(text("SELECT version_num FROM alembic_version")).fetchone())
    finally:
        engine.dispose()
    _run_tool("pg_dump", ["--format=custom", "--file", str(target)], url, timeout)
    return revision


def _revision(row) -> str | None:
    return row[0] if row else None


def _run_tool(tool: str, arguments: list[str], url: URL, timeout: float) -> None:
    """Run pg_dump or pg_restore against `url`; the password goes in the environment, never on the command line."""
    program = shutil.which(tool)
    if program is None:
        raise ToolMissing(tool, user_message=f"No se encontró {tool}, necesario para respaldar o restaurar "
                                             "PostgreSQL. Instale el paquete postgresql-client (de la misma versión "
                                             "que el servidor) y vuelva a intentarlo.")
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    # The tool needs PATH, locale and any PG* settings of the caller's environment, plus the password.
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    try:
        done = subprocess.run([program, *arguments, "--dbname", libpq], env=environment, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ToolFailed(f"{tool} timed out", user_message=f"{tool} no terminó en {timeout:.0f} s.") from None
    except OSError as error:
        raise ToolFailed(str(error), user_message=f"No se pudo ejecutar {tool}: {error}.") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"código {done.returncode}"])[-1]
        raise ToolFailed(done.stderr, user_message=f"{tool} falló: {last}")


def _home_files(home: Path):
    """(name in the archive, path) of every file in the backed-up folders, in a stable order."""
    for folder in FOLDERS:
        for root, directories, names in os.walk(home / folder):
            directories.sort()
            for name in sorted(names):
                path = Path(root) / name
                # .part: a copy still being written (archive staging, atomic writes); its final file comes later.
                if name.endswith(".part") or path.is_symlink() or not path.is_file():
                    continue
                yield path.relative_to(home).as_posix(), path


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict | None:
    """Add one file, hashing the bytes as they go in; None when it vanished after listing (a page image redone)."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return None
    with handle:
        # The size of the file as opened: the service replaces files by rename, never rewrites them in place.
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = stat.st_size, stat.st_mode & 0o777, stat.st_mtime
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return {"path": name, "size": info.size, "sha256": reader.digest.hexdigest()}


def _manifest(tar: tarfile.TarFile) -> dict:
    """The archive's manifest, checked for shape and for names that stay inside HOME."""
    try:
        manifest = json.loads(tar.extractfile(tar.getmember(MANIFEST)).read())
        kind, files = manifest["database"]["kind"], manifest["files"]
        valid = manifest["format"] == FORMAT and kind in DATABASE_FILES and \
            manifest["database"]["file"] == DATABASE_FILES[kind] and \
            all(_safe(f["path"], kind) and isinstance(f["size"], int) and len(f["sha256"]) == 64 for f in files) and \
            len({f["path"] for f in files}) == len(files)
    except (KeyError, TypeError, ValueError, tarfile.TarError):
        valid = False
    if not valid:
        raise ArchiveInvalid("manifest", user_message="El respaldo no trae un MANIFEST.json válido de peticiones; no "
                                                      "se restauró nada.")
    return manifest


def _safe(name: str, kind: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and \
        (name == DATABASE_FILES[kind] or (len(path.parts) > 1 and path.parts[0] in FOLDERS))


def _refuse_unless_empty(home: Path, database_url: str | None) -> None:
    """Nothing is ever overwritten: a home with a database or any file in the folders is refused, as is a
    PostgreSQL database that already has tables."""
    found = [home / n for n in (paths.DATABASE, f"{paths.DATABASE}-wal") if (home / n).exists()]
    found += [p for _, p in itertools.islice(_home_files(home), 1)]
    if found:
        raise TargetNotEmpty(str(found[0]), user_message=f"{home} no está vacía (tiene {found[0]}); la restauración "
                                                         "nunca reemplaza datos. Indique una carpeta nueva o vacía.")
    if database_url:
        engine = database.make_engine(database_url)
        try:
            tables = inspect(engine).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise TargetNotEmpty(database_url, user_message="La base indicada en --database-url ya tiene tablas; "
                                                            "cree una base vacía y restaure en ella.")


def _extract_verified(tar: tarfile.TarFile, manifest: dict, staging: Path) -> None:
    """Write every member into `staging`, each checked against the manifest's size and sha256."""
    expected = {f["path"]: f for f in manifest["files"]}
    seen: set[str] = set()
    for member in tar:
        if member.name == MANIFEST:
            continue
        entry = expected.get(member.name)
        if entry is None or member.name in seen or not member.isfile():
            raise ArchiveInvalid(member.name, user_message=f"El respaldo trae {member.name}, que su manifiesto no "
                                                           "lista; no se restauró nada.")
        seen.add(member.name)
        target = staging / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        reader = _Hashing(tar.extractfile(member))
        with open(target, "wb", opener=lambda path, flags: os.open(path, flags, 0o600)) as handle:
            shutil.copyfileobj(reader, handle, CHUNK)
            handle.flush()
            os.fsync(handle.fileno())
        if reader.size != entry["size"] or reader.digest.hexdigest() != entry["sha256"]:
            raise ArchiveInvalid(member.name, user_message=f"{member.name} no coincide con la huella (sha256) del "
                                                           "manifiesto: el respaldo está dañado o fue alterado. No se "
                                                           "restauró nada.")
        os.chmod(target, (member.mode & 0o700) | 0o400)  # personal data: owner-only, whatever the archive says
        os.utime(target, (member.mtime, member.mtime))
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveInvalid(missing[0], user_message=f"Al respaldo le falta {missing[0]}, que su manifiesto lista; "
                                                      "no se restauró nada.")


def _private_folder(folder: Path, home: Path) -> None:
    """Create `folder` and its missing parents below `home` owner-only (mkdir's mode is not applied to parents)."""
    if folder == home or folder.is_dir():
        return
    _private_folder(folder.parent, home)
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)


def _move_into(staging: Path, home: Path, manifest: dict) -> None:
    """Rename the verified files to their final names, the SQLite database last (a home with a database is a
    finished restore); a PostgreSQL dump stays behind, already restored."""
    names = sorted(f["path"] for f in manifest["files"] if "/" in f["path"])
    if manifest["database"]["kind"] == "sqlite":
        names.append(manifest["database"]["file"])
    folders = set()
    for name in names:
        target = home / name
        if target.exists():  # someone wrote here since the check: stop rather than replace it
            raise TargetNotEmpty(name, user_message=f"Apareció {target} durante la restauración; no se reemplazó.")
        _private_folder(target.parent, home)
        os.rename(staging / name, target)
        folders.add(target.parent)
    for folder in folders:
        fsync_folder(folder)
