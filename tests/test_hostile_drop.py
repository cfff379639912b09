"""Issue 14's hostile drop: over 100 entries of over 70 kinds (tests/hostile.py) dropped on a running service, some
before it starts and most while it works.

Must show: every file ends as expected (review, duplicate, or quarantine with its code and Spanish reason), its
original byte-identical in archivo/ or cuarentena/; nothing is left unexplained in entrada/; intake never freezes
(each entry is taken within seconds of appearing, FIFOs, sockets and bombs included); the service answers
/salud and /salud/listo throughout.

As root nothing is unreadable, so there the service runs as root of its own user namespace (unshare -r), as it
would run as an unprivileged user: a file owned by another user, 0600, is then really unreadable to it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
import statistics
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from watch_folders import errors
from storage import database
from storage.tables import Document, Page, State
from tests.conftest import PETICIONES, ROOT
from tests.hostile import (HealthWatch, Hostile, Made, Served, available, corpus, grow, place, png,
                           user_namespaces)
from tests.hostile import _deep as deep_folder
from watch_folders.channels import CHANNELS
from watch_folders.names import shown
from watch_folders.watcher import InboxWatcher

DEADLINE = 300  # seconds for every entry to reach its end (about 40 s here)
# The full rescan is only a safety net: every entry must be taken on its file event, well before a rescan would.
# (A path past PATH_MAX ended watchdog's thread, and every later file then waited for the rescan.)
RESCAN = 30
TAKEN_WITHIN = 20  # seconds from appearing in entrada/ to being recorded, for every entry


def _refusals(cls: type) -> list[type]:
    """Every kind of refusal declared so far, its subclasses' subclasses included."""
    return [found for sub in cls.__subclasses__() for found in (sub, *_refusals(sub))]


MESSAGES = {cls.code: cls.user_message for cls in _refusals(errors.RejectedInput) if cls.code != "error"}
FINAL = {State.review, State.duplicate, State.quarantined, State.failed}


def relative_key(entry_path: bytes) -> str:
    """An inbox entry's path relative to entrada/ as the database stores it (undecodable bytes as \\xNN)."""
    return entry_path.decode("utf-8", "backslashreplace")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_hostile_drop_ends_as_expected_and_the_service_answers_throughout(home, tmp_path):
    started = time.monotonic()
    userns = user_namespaces() is None
    entries = [e for e in corpus() if available(e, userns)]
    skipped = sorted(e.kind for e in corpus() if not available(e, userns))
    documents_expected = {relative_key(e.path_bytes): e for e in entries if e.is_document}
    inbox, staging = home / "entrada", tmp_path / "aparte"
    inbox.mkdir(parents=True)
    staging.mkdir()
    made: dict[bytes, Made] = {}
    appeared: dict[str, float] = {}

    def drop(entry: Hostile) -> None:
        made.update(grow(entry, inbox) if entry.phase == "growing" else place(entry, inbox, staging))
        appeared[relative_key(entry.path_bytes)] = time.monotonic()

    for entry in entries:
        if entry.phase == "before":
            drop(entry)
    env = {"PETICIONES_DPI": "100", "PETICIONES_RETRY_BASE_SECONDS": "1",
           # The disk check is part 2's (tests/test_full_disk.py); here it must not depend on this machine's disk.
           "PETICIONES_MIN_FREE_MB": "1"}
    prefix = ["unshare", "--user", "--map-root-user"] if os.geteuid() == 0 and userns else []
    svc = Served(home, {"PETICIONES_STABILITY_SECONDS": "1", "PETICIONES_WORKERS": "2",
                        "PETICIONES_RESCAN_SECONDS": str(RESCAN), **env}, prefix).start()
    running_since = time.monotonic()
    for key in appeared:
        appeared[key] = running_since  # waiting before the start: timed from the start
    engine = database.make_engine(f"sqlite:///{home / 'peticiones.db'}")
    first_seen: dict[str, float] = {}

    def rows() -> list[Document]:
        with engine.connect() as db:
            found = db.execute(select(Document)).all()
        now = time.monotonic()
        for row in found:
            first_seen.setdefault(_relative(row.source_path, inbox), now)
        return found

    try:
        with HealthWatch(svc) as health:
            for entry in entries:
                if entry.phase == "running":
                    drop(entry)
                    rows()
            for entry in entries:
                if entry.phase == "growing":
                    drop(entry)
            svc.wait_for(lambda: len(rows()) >= len(documents_expected) and all(r.state in FINAL for r in rows()),
                         DEADLINE, "every entry at its end")
            time.sleep(1)  # one more round of health answers after the last document
        final = rows()
    finally:
        engine.dispose()
        svc.stop()
    elapsed = time.monotonic() - started

    # One document per file dropped, each where it was expected to end.
    by_key = {_relative(r.source_path, inbox): r for r in final}
    assert len(by_key) == len(final), "a file was recorded twice"
    assert sorted(by_key) == sorted(documents_expected), "a file is missing or a row has no file"
    outcome = {key: (row.reason_code if row.state == State.quarantined else row.state.value)
               for key, row in by_key.items()}
    wrong = {documents_expected[k].kind: (documents_expected[k].expect, outcome[k], by_key[k].reason)
             for k in by_key if outcome[k] != documents_expected[k].expect}
    assert not wrong, f"ended unexpectedly (kind: expected, got, reason): {wrong}\n{svc.log.read_text()[-6000:]}"

    pages: dict[int, list] = {}
    with engine.connect() as db:
        for p in db.execute(select(Page).order_by(Page.document_id, Page.number)):
            pages.setdefault(p.document_id, []).append((p.number, p.blank, p.error_code, p.text))
    ids = {e.kind: by_key[relative_key(e.path_bytes)].id for e in documents_expected.values()}
    for key, entry in documents_expected.items():
        row, original = by_key[key], made[entry.path_bytes]
        assert row.channel == entry.channel, entry.kind
        assert row.original_name == entry.shown_name, entry.kind
        if entry.expect in ("review", "duplicate"):
            assert row.sha256 == original.sha256, entry.kind
            assert sha256(home / "archivo" / row.archive_path) == original.sha256, entry.kind  # byte-identical
            assert row.archive_path == f"{row.sha256[:2]}/{row.sha256[2:4]}/{row.sha256}{Path(row.archive_path).suffix}"
        if entry.expect == "review":
            assert row.page_count == entry.pages, entry.kind
            # Every page was read, its content not silently lost (a 16-bit scan once came out blank and white).
            read = [(blank, error, text) for number, blank, error, text in pages.get(row.id, [])]
            assert len(read) == entry.pages, entry.kind
            for blank, error, text in read:
                assert not blank and error is None and any(w in text.lower() for w in entry.words), (entry.kind, text)
        if entry.expect == "duplicate":
            assert row.duplicate_of == ids[entry.duplicate_of], entry.kind
        if row.state == State.quarantined:
            _assert_quarantined(home, row, entry, original)

    # entrada/: only what must stay (ignored names, folders), each as it was dropped.
    for entry in entries:
        target = Path(os.fsdecode(bytes(inbox) + b"/" + entry.path_bytes))
        if entry.expect == "stays":
            assert os.path.lexists(target), entry.kind
            if made[entry.path_bytes].sha256:
                assert sha256(target) == made[entry.path_bytes].sha256, entry.kind
        elif entry.build is not None or entry.is_document:
            assert not os.path.lexists(target), f"{entry.kind} left in entrada/"
    log = svc.log.read_text(encoding="utf-8", errors="replace")
    for entry in entries:
        if entry.logged:  # stays because the service cannot look at it: it says so, once (not at every rescan)
            said = [line for line in log.splitlines()
                    if f"no se puede revisar {shown(str(inbox / entry.shown_name))}" in line]
            assert len(said) == 1, (entry.kind, said)
    left = _unexplained(inbox, entries)
    assert not left, f"left in entrada/ without a reason: {left}"
    assert not list((home / "archivo" / "tmp").iterdir()), "a copy left half-made in archivo/tmp"

    # The service answered throughout, and was ready throughout: no hostile file made it unready.
    live, ready = health.of("/salud"), health.of("/salud/listo")
    assert len(live) >= 20 and all(status == 200 for _, _, status, _, _ in live), Counter(a[2] for a in live)
    assert all(status == 200 for _, _, status, _, _ in ready), [a[4] for a in ready if a[2] != 200][:3]
    slowest = max(seconds for _, _, _, seconds, _ in health.answers)
    assert slowest < 5, f"/salud took {slowest:.1f} s to answer"

    # Intake never froze: each entry was recorded soon after it appeared (a FIFO or a bomb did not hold it up).
    delays = {documents_expected[k].kind: first_seen[k] - appeared[k] for k in documents_expected}
    late = {kind: round(d, 1) for kind, d in delays.items() if d > TAKEN_WITHIN}
    assert not late, f"taken late: {late}"

    # peticiones status lists every quarantined file with its code.
    done = subprocess.run(PETICIONES + ["status", "--json"], env={**os.environ, "PETICIONES_HOME": str(home)},
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    listed = Counter(q["reason_code"] for q in json.loads(done.stdout)["quarantined"])
    assert listed == Counter(r.reason_code for r in final if r.state == State.quarantined)

    kinds = Counter(e.expect for e in documents_expected.values())
    print(f"\nhostile drop: {len(entries)} entries of {len({e.kind for e in entries})} kinds "
          f"({len(documents_expected)} files: {dict(kinds)}); not made here: {skipped or 'none'}; "
          f"{elapsed:.0f} s in all; taken after {statistics.median(delays.values()):.1f} s median, "
          f"{max(delays.values()):.1f} s at most ({max(delays, key=delays.get)}); "
          f"{len(health.answers)} health answers, slowest {slowest:.2f} s")


def _relative(source_path: str, inbox: Path) -> str:
    prefix = str(inbox) + "/"
    assert source_path.startswith(prefix), source_path
    return source_path[len(prefix):]


def _assert_quarantined(home: Path, row, entry: Hostile, original: Made) -> None:
    """The file is in cuarentena/ as it was dropped (a link still a link, a FIFO still a FIFO, bytes identical),
    with a .motivo.txt that gives its code, its Spanish reason and its whole name."""
    kept = Path(row.quarantine_path)
    assert kept.is_relative_to(home / "cuarentena"), entry.kind
    info = os.lstat(kept)
    assert stat.S_IFMT(info.st_mode) == original.kind, entry.kind
    if original.link is not None:
        assert os.readlink(kept) == original.link, entry.kind
    if original.sha256 is not None:
        assert sha256(kept) == original.sha256, entry.kind
        if row.archive_path:  # refused after intake (at inspection): the archive keeps its own copy
            assert sha256(home / "archivo" / row.archive_path) == original.sha256, entry.kind
    if row.reason_code == "absurd_page_size":
        assert row.reason.startswith("La página 1 mide "), row.reason
    else:
        assert row.reason == MESSAGES[row.reason_code], entry.kind
    motivo = Path(f"{kept}.motivo.txt").read_text(encoding="utf-8")
    assert f"Código: {row.reason_code}\n" in motivo and f"Motivo: {row.reason}\n" in motivo, entry.kind
    assert f"Archivo: {shown(row.original_name)}\n" in motivo, entry.kind
    assert len(os.fsencode(kept.name + ".motivo.txt")) <= 255


def _unexplained(inbox: Path, entries: list[Hostile]) -> list[str]:
    """What is in entrada/ that neither must stay (an ignored name, a folder dropped) nor is a folder: the
    channels' folders the service makes, and the folders the drop made to hold its files."""
    stays = {e.path_bytes for e in entries if e.expect == "stays"}
    folders = {bytes(c, "utf-8") for c in CHANNELS}
    for e in entries:
        parts = e.path_bytes.split(b"/")
        folders.update(b"/".join(parts[:n]) for n in range(1, len(parts)))
    left = []
    for root, dirs, files in os.walk(bytes(inbox)):
        for name in dirs + files:
            relative = os.path.relpath(os.path.join(root, name), bytes(inbox))
            inside_kept = any(relative.startswith(s + b"/") for s in stays)
            if relative in stays or inside_kept or (relative in folders and os.path.isdir(os.path.join(root, name))):
                continue
            left.append(relative.decode("utf-8", "backslashreplace"))
    return left


@pytest.mark.parametrize("polling", [0.0, 0.3], ids=["events", "polling"])
def test_a_path_past_path_max_stops_neither_the_watcher_nor_its_file_events(tmp_path, caplog, polling):
    """Found by the hostile drop: a file whose path passes PATH_MAX made the start-up scan raise (the service exited
    with code 3 and could not start while it was there); dropped later, it ended watchdog's thread, so that every
    later file waited for the full rescan, and at that rescan it ended the watcher's own loop: intake stopped."""
    inbox = tmp_path / "entrada"
    inbox.mkdir()
    deep_folder(20, "c" * 240 + ".png", lambda: png("Folio profundo"))(inbox / "profundo")  # there at the start
    taken: list[Path] = []

    def take(path: Path) -> None:
        taken.append(path)
        path.unlink()

    def taken_soon(name: str) -> bool:  # on its event (or poll): far sooner than the 60 s rescan
        (inbox / name).write_bytes(png(name))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and inbox / name not in taken:
            time.sleep(0.05)
        return inbox / name in taken

    watching = InboxWatcher(inbox, take, stability_seconds=0.3, polling=polling, rescan_seconds=60)
    with caplog.at_level(logging.INFO):
        watching.start()
        try:
            deep_folder(22, "carta.png", lambda: png("Folio más profundo"))(inbox / "mas-profundo")  # while running
            assert taken_soon("despues.png"), "file events stopped"
            for _ in range(2):
                watching.rescan()  # what the watcher's loop does every rescan_seconds
            assert taken_soon("despues-de-revisar.png")
            assert watching._thread.is_alive()
        finally:
            watching.stop()
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("no se puede revisar")]
    for top in ("profundo", "mas-profundo"):  # each said once, not at every rescan
        assert len([m for m in said if m.startswith(f"no se puede revisar {inbox / top}/")]) == 1, said
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "a rescan failed"
