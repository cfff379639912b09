"""Shared fixtures: a fresh HOME per test, the settings pointing at it, and a running service when needed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PETICIONES = [sys.executable, "-m", "pipeline"]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings(home=home, stability_seconds=0.5, workers=2, retry_base_seconds=0.1)


@pytest.fixture
def ctx(settings: Settings):
    from pipeline.context import Context

    context = Context.open(settings)
    yield context
    context.close()


class Service:
    """`peticiones watch` in a child process, as a clerk's machine would run it."""

    def __init__(self, home: Path, env: dict[str, str], command: str = "watch"):
        self.home = home
        self.command = command
        self.env = {**os.environ, "PETICIONES_HOME": str(home), **env}
        self.process: subprocess.Popen | None = None
        self.log = home.parent / f"{command}.log"

    def start(self) -> "Service":
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(PETICIONES + [self.command], env=self.env, cwd=ROOT, stdout=log, stderr=log)
        self.wait_for(lambda: (self.home / "entrada" / "jornadas").is_dir(), 60, "folders")
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def status(self) -> dict:
        done = subprocess.run(PETICIONES + ["status", "--json"], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"service exited ({self.process.returncode}):\n{self.log.read_text()[-4000:]}")
            if condition():
                return
            time.sleep(0.3)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log.read_text()[-4000:]}")


@pytest.fixture
def service(home: Path):
    services: list[Service] = []

    def make(command: str = "watch", **env: str) -> Service:
        defaults = {"PETICIONES_STABILITY_SECONDS": "1", "PETICIONES_WORKERS": "2", "PETICIONES_RESCAN_SECONDS": "5"}
        created = Service(home, {**defaults, **env}, command)
        services.append(created)
        return created

    yield make
    for s in services:
        s.stop()


@pytest.fixture
def fake_tesseract(tmp_path, monkeypatch):
    """Put a `tesseract` that runs `script` first on PATH: the fault enters where the real program would."""

    def install(script: str) -> Path:
        folder = tmp_path / "fake-bin"
        folder.mkdir(exist_ok=True)
        program = folder / "tesseract"
        program.write_text(f"#!/bin/sh\n{script}\n")
        program.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        return program

    return install


@pytest.fixture(scope="module")
def postgres_url():
    """A throwaway PostgreSQL server for the module's tests (each takes its own database: servers.fresh_database)."""
    from tests.servers import postgres_server

    with postgres_server() as url:
        yield url
