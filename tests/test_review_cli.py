"""`peticiones users add/token` and `peticiones serve --port`: the web app runs beside the watcher and workers."""

from __future__ import annotations

import os
import subprocess
import time

import httpx
import pytest

from tests.conftest import PETICIONES, ROOT, Service
from tests.servers import free_port


class WebService(Service):
    """`peticiones serve --port P` in a child process."""

    def __init__(self, home, port: int):
        super().__init__(home, {"PETICIONES_STABILITY_SECONDS": "1", "PETICIONES_WORKERS": "1"}, "serve")
        self.port = port

    def start(self) -> "WebService":
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(PETICIONES + ["serve", "--port", str(self.port)], env=self.env, cwd=ROOT,
                                            stdout=log, stderr=log)
        self.wait_for(self._answers, 90, "the web app")
        return self

    def _answers(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/login", timeout=2).status_code == 200
        except httpx.TransportError:
            return False


def run(home, *args, stdin: str = ""):
    env = {**os.environ, "PETICIONES_HOME": str(home)}
    return subprocess.run(PETICIONES + list(args), input=stdin, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=180)


def test_users_are_added_with_a_password_from_stdin_and_get_tokens(home):
    added = run(home, "users", "add", "ana", "--role", "revisor", stdin="contraseña-segura-1\n")
    assert added.returncode == 0, added.stderr
    again = run(home, "users", "add", "ana", "--role", "revisor", stdin="contraseña-segura-1\n")
    assert again.returncode == 2 and "Ya existe un usuario" in again.stderr
    assert "al menos 8" in run(home, "users", "add", "beto", "--role", "revisor", stdin="corta\n").stderr
    assert "--directorate" in run(home, "users", "add", "enzo", "--role", "enlace", stdin="contraseña-segura-1\n").stderr
    assert run(home, "users", "add", "enzo", "--role", "enlace", "--directorate", "programas_sociales",
               stdin="contraseña-segura-1\n").returncode == 0
    issued = run(home, "users", "token", "ana")
    assert issued.returncode == 0, issued.stderr
    assert issued.stdout.strip().splitlines()[-1].startswith("pt_")
    assert run(home, "users", "token", "nadie").returncode == 2


@pytest.mark.slow
def test_serve_runs_the_web_app_with_the_watcher(home):
    assert run(home, "users", "add", "ana", "--role", "revisor", stdin="contraseña-segura-1\n").returncode == 0
    token = run(home, "users", "token", "ana").stdout.strip().splitlines()[-1]
    web = WebService(home, free_port()).start()
    try:
        base = f"http://127.0.0.1:{web.port}"
        assert httpx.get(f"{base}/cola", timeout=5).status_code == 303  # logged out: to the login page
        queue = httpx.get(f"{base}/api/v1/queue", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert queue.status_code == 200 and queue.json() == {"items": [], "total": 0}
        assert httpx.get(f"{base}/static/app.js", timeout=5).status_code == 200
        assert (home / "entrada" / "telefono").is_dir()  # the watcher's folders: the same process watches
    finally:
        web.stop()
    assert web.process.returncode is not None
