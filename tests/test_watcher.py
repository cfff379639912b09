"""The inbox watcher hands over whole, stable files only, from events, polling and the startup scan."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from watch_folders.channels import channel_for, is_ignored
from watch_folders.watcher import InboxWatcher


class Collector:
    def __init__(self):
        self.seen: list[tuple[Path, int]] = []
        self.lock = threading.Lock()

    def __call__(self, path: Path) -> None:
        with self.lock:
            self.seen.append((path, path.stat().st_size))
        path.unlink()

    def wait(self, count: int, timeout: float = 20) -> list[tuple[Path, int]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.seen) < count:
            time.sleep(0.05)
        return list(self.seen)


@pytest.fixture(params=[0.0, 0.3], ids=["events", "polling"])
def watcher(request, tmp_path):
    collector = Collector()
    inbox = tmp_path / "entrada"
    inbox.mkdir()
    watching = InboxWatcher(inbox, collector, stability_seconds=1.0, polling=request.param, rescan_seconds=30)
    yield watching, collector
    watching.stop()


def test_a_file_written_slowly_is_taken_once_and_whole(watcher):
    watching, collector = watcher
    watching.start()
    target = watching.inbox / "lento.pdf"
    with open(target, "wb") as handle:
        for _ in range(8):
            handle.write(b"x" * 1000)
            handle.flush()
            time.sleep(0.3)
    seen = collector.wait(1)
    time.sleep(1.5)
    assert collector.seen == seen == [(target, 8000)]


def test_files_already_waiting_are_taken_at_start(watcher):
    watching, collector = watcher
    (watching.inbox / "jornadas").mkdir()
    waiting = [watching.inbox / "a.png", watching.inbox / "jornadas" / "b.pdf"]
    for path in waiting:
        path.write_bytes(b"%PDF-1.4 contenido")
    watching.start()
    assert sorted(p for p, _ in collector.wait(2)) == sorted(waiting)


def test_temporary_and_hidden_files_are_left_alone(watcher):
    watching, collector = watcher
    watching.start()
    for name in (".oculto.pdf", "~$carta.docx", "escaneo.tmp", "descarga.pdf.part", "Thumbs.db"):
        (watching.inbox / name).write_bytes(b"datos")
    (watching.inbox / "real.jpg").write_bytes(b"\xff\xd8\xff datos")
    assert [p.name for p, _ in collector.wait(1)] == ["real.jpg"]
    time.sleep(1.5)
    assert len(collector.seen) == 1


def _patient(tmp_path: Path, polling: float = 0.0) -> tuple[InboxWatcher, Collector]:
    """A watcher whose stability wait (30 s) is longer than any of these tests waits."""
    inbox = tmp_path / "entrada"
    inbox.mkdir()
    collector = Collector()
    return InboxWatcher(inbox, collector, stability_seconds=30.0, polling=polling, rescan_seconds=60), collector


def test_a_file_closed_by_its_writer_is_taken_without_the_stability_wait(tmp_path):
    watching, collector = _patient(tmp_path)
    watching.start()
    try:
        target = watching.inbox / "carta.pdf"
        started = time.monotonic()
        with open(target, "wb") as handle:  # written in steps, then closed: taken once, whole, on the close
            for _ in range(4):
                handle.write(b"x" * 1000)
                handle.flush()
                time.sleep(0.3)
            assert collector.seen == []  # not while it is open
        assert collector.wait(1, timeout=5) == [(target, 4000)]
        assert time.monotonic() - started < 5
    finally:
        watching.stop()


def test_a_file_moved_into_the_inbox_or_renamed_in_it_is_taken_at_once(tmp_path):
    watching, collector = _patient(tmp_path)
    (watching.inbox / "jornadas").mkdir()
    aside = tmp_path / "aparte.png"
    aside.write_bytes(b"\x89PNG datos")
    (watching.inbox / ".escaneo.pdf").write_bytes(b"%PDF-1.4")  # hidden while the scanner writes it
    watching.start()
    try:
        aside.rename(watching.inbox / "jornadas" / "foto.png")  # from outside: seen as created, with content
        (watching.inbox / ".escaneo.pdf").rename(watching.inbox / "escaneo.pdf")  # within: a move
        assert sorted(p.name for p, _ in collector.wait(2, timeout=5)) == ["escaneo.pdf", "foto.png"]
    finally:
        watching.stop()


def test_a_file_created_and_still_open_for_writing_waits(tmp_path):
    watching, collector = _patient(tmp_path)
    watching.start()
    try:
        with open(watching.inbox / "abierto.pdf", "wb") as handle:
            handle.write(b"%PDF-1.4 " * 100)
            handle.flush()
            time.sleep(2)  # created with content, but its writer still has it open: no lease, no hand-over
            assert collector.seen == []
        assert [p.name for p, _ in collector.wait(1, timeout=5)] == ["abierto.pdf"]
    finally:
        watching.stop()


def test_polling_sees_no_close_and_still_waits_for_the_stability_time(tmp_path):
    watching, collector = _patient(tmp_path, polling=0.2)
    watching.start()
    try:
        (watching.inbox / "red.pdf").write_bytes(b"%PDF-1.4")  # a network share: no close-write is reported
        time.sleep(3)
        assert collector.seen == []
    finally:
        watching.stop()


def test_a_failing_hand_over_does_not_stop_the_watcher(tmp_path):
    inbox = tmp_path / "entrada"
    inbox.mkdir()
    taken = []

    def flaky(path: Path) -> None:
        if path.name == "malo.pdf":
            raise OSError("disco lleno")
        taken.append(path.name)
        path.unlink()

    watching = InboxWatcher(inbox, flaky, stability_seconds=0.5)
    (inbox / "malo.pdf").write_bytes(b"1")
    watching.start()
    try:
        (inbox / "bueno.pdf").write_bytes(b"2")
        deadline = time.monotonic() + 10
        while "bueno.pdf" not in taken and time.monotonic() < deadline:
            time.sleep(0.05)
        assert taken == ["bueno.pdf"]
        assert (inbox / "malo.pdf").exists()
    finally:
        watching.stop()


@pytest.mark.parametrize("relative, channel", [
    ("carta.pdf", "correspondencia"),
    ("jornadas/carta.pdf", "jornadas"),
    ("Teléfono/nota.png", "telefono"),
    ("PRESENCIAL/2026/noviembre/acta.tif", "presencial"),
    ("otra carpeta/carta.pdf", "correspondencia"),
])
def test_channel_is_the_first_level_folder(tmp_path, relative, channel):
    assert channel_for(tmp_path / relative, tmp_path) == channel


def test_ignored_names():
    assert is_ignored("~$oficio.docx") and is_ignored(".DS_Store") and is_ignored("x.crdownload")
    assert not is_ignored("oficio.pdf")
