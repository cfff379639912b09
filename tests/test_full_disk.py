"""Issue 14's fault suite: archivo/ on a full file system.

The service runs in a user and mount namespace of its own (unshare -rm, no root needed) with a 4 MB tmpfs mounted
on archivo/, and scans of 1.6 MB each are dropped until it is full. It must keep running and answering, say it is not
ready (disk), hold what does not fit in entrada/ (never lose an original, never leave half a copy, never blame the
file with a quarantine), go on with what it already took and with files that need no room in archivo/, and take
the held files once there is room again (the tmpfs grown, as an administrator would free or grow the disk).

The tmpfs lives only as long as the service's namespace: its files are read through /proc/<pid>/root while it runs.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import database
from storage.tables import Document, State
from tests.hostile import HealthWatch, Served, page, tiff, user_namespaces

pytestmark = pytest.mark.slow

SIZE_MB = 4
HELD_FOR = 20  # seconds the test watches the full disk before giving it room


def scan(words: str) -> bytes:
    """A page as an uncompressed TIFF: 1.6 MB, so that three of them do not fit in 4 MB."""
    return tiff([page(words, mode="RGB")], compression="raw")


def tmpfs_refused(folder: Path) -> str | None:
    """None when a tmpfs can be mounted on `folder` from a user and mount namespace (no root needed), else why not,
    in the system's words."""
    unavailable = user_namespaces()
    if unavailable:
        return unavailable
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                           'mount -t tmpfs -o size=1m tmpfs "$0"', str(folder)], capture_output=True, text=True,
                          timeout=30)
    return None if done.returncode == 0 else f"mount -t tmpfs falla: {done.stderr.strip() or done.returncode}"


def test_a_full_archive_disk_holds_files_in_the_inbox_and_takes_them_once_there_is_room(home, tmp_path):
    refused = tmpfs_refused(tmp_path)
    if refused:
        pytest.skip(f"no se puede montar un tmpfs pequeño en archivo/ sin ser root en este equipo: {refused}")
    archive, inbox, staging = home / "archivo", home / "entrada", tmp_path / "aparte"
    for folder in (archive, inbox, staging):
        folder.mkdir(parents=True)
    mount = 'mount -t tmpfs -o size=%dm,mode=0700 tmpfs "$0" && exec "$@"' % SIZE_MB
    env = {"PETICIONES_STABILITY_SECONDS": "1", "PETICIONES_WORKERS": "2", "PETICIONES_RESCAN_SECONDS": "30",
           "PETICIONES_DPI": "100", "PETICIONES_MIN_FREE_MB": "1"}
    svc = Served(home, env, ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", mount,
                             str(archive)]).start()
    inside = Path(f"/proc/{svc.process.pid}/root") / archive.relative_to("/")  # the service's archivo/: the tmpfs
    engine = database.make_engine(f"sqlite:///{home / 'peticiones.db'}")
    dropped: dict[str, str] = {}

    def drop(name: str, data: bytes) -> Path:
        aside = staging / name
        aside.write_bytes(data)
        dropped[name] = hashlib.sha256(data).hexdigest()
        return aside.rename(inbox / name)

    def rows() -> dict[str, Document]:
        with engine.connect() as db:
            return {r.original_name: r for r in db.execute(select(Document))}

    try:
        status, body = svc.get("/salud/listo")
        assert status == 200 and body["checks"]["disk"]["free_mb"] >= SIZE_MB - 1, body
        with HealthWatch(svc) as health:
            scans = [drop(f"escaneo-{n}.tif", scan(f"Folio lleno {n}")) for n in range(1, 5)]  # 6.5 MB for 4 MB
            svc.wait_for(lambda: len(rows()) == 2, 60, "the two scans that fit")
            full_since = time.monotonic()
            svc.wait_for(lambda: svc.get("/salud/listo")[0] == 503, 30, "/salud/listo: not ready")
            empty = drop("vacio.pdf", b"")  # needs no room in archivo/: refused as ever
            svc.wait_for(lambda: "vacio.pdf" in rows(), 30, "the empty file quarantined while the disk is full")
            time.sleep(max(0.0, HELD_FOR - (time.monotonic() - full_since)))

            # Full: alive, not ready (disk), the scans that did not fit wait whole in entrada/, none blamed.
            assert svc.process.poll() is None
            status, body = svc.get("/salud/listo")
            assert status == 503 and body["failed"] == ["disk"], body
            assert body["checks"]["disk"]["error"] == "low_disk_space" and body["checks"]["disk"]["free_mb"] == 0
            held = [p for p in scans if p.exists()]
            assert len(held) == 2, [p.name for p in scans]
            assert all(hashlib.sha256(p.read_bytes()).hexdigest() == dropped[p.name] for p in held)
            assert not list((inside / "tmp").iterdir()), "half a copy left in archivo/tmp"
            taken = rows()
            assert sorted(taken) == sorted({p.name for p in scans} - {p.name for p in held} | {"vacio.pdf"})
            assert taken["vacio.pdf"].reason_code == "empty_file" and not empty.exists()
            assert all(r.state != State.quarantined for n, r in taken.items() if n != "vacio.pdf")
            svc.wait_for(lambda: all(r.state == State.review for n, r in rows().items() if n != "vacio.pdf"), 120,
                         "what was taken goes on to review while the disk is full")
            # peticiones status lists each held scan with why it waits; no copy was started on the full disk
            waiting = {w["file"]: w for w in svc.status()["waiting"]}
            assert sorted(waiting) == sorted(p.name for p in held), waiting
            assert all(w["code"] == "low_disk_space" and w["attempts"] >= 1 for w in waiting.values()), waiting
            log = svc.log.read_text(encoding="utf-8", errors="replace")
            assert all(f"{p.name} (low_disk_space" in log for p in held) and "Traceback" not in log

            # Room again: the administrator grows the disk. The held scans are taken, nothing else changes.
            subprocess.run(["nsenter", "-t", str(svc.process.pid), "--user", "--mount", "--preserve-credentials",
                            "mount", "-o", "remount,size=64m", str(archive)], check=True, timeout=30)
            grown = time.monotonic()
            svc.wait_for(lambda: len(rows()) == 5 and all(r.state in (State.review, State.quarantined)
                                                          for r in rows().values()), 400, "the held scans taken")
            waited = time.monotonic() - grown
            svc.wait_for(lambda: svc.get("/salud/listo")[0] == 200, 30, "/salud/listo ready again")
            final = rows()
            for name, digest in dropped.items():
                if name == "vacio.pdf":
                    continue
                row = final[name]
                assert row.state == State.review and row.sha256 == digest
                assert hashlib.sha256((inside / row.archive_path).read_bytes()).hexdigest() == digest
            assert not [p for p in inbox.rglob("*") if p.is_file()] and svc.status()["waiting"] == []
            assert not list((inside / "tmp").iterdir())
            assert svc.process.poll() is None
        live = health.of("/salud")
        assert live and all(status == 200 for _, _, status, _, _ in live)  # alive throughout
        print(f"\nfull disk: held {len(held)} scans for {HELD_FOR} s, taken {waited:.0f} s after the disk grew; "
              f"{len(live)} /salud answers, slowest {max(a[3] for a in health.answers):.2f} s")
    finally:
        engine.dispose()
        svc.stop()
