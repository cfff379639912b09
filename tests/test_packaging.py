"""The wheel carries the shipped model and seed corpus, and an installed peticiones finds them without the source
tree: `pip install .` can classify."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sources(into: Path) -> Path:
    """What the wheel is built from (pyproject's packages, models/, README), copied away from the checkout: an
    in-tree build would leave build/ and *.egg-info behind, and tests may run side by side."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapped = setuptools.get("package-dir", {})
    tops = {mapped.get(name, name).split(".")[0] for name in setuptools["packages"]}
    for top in tops:
        shutil.copytree(ROOT / top, into / top, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, into / name)
    return into


def build_wheel(tmp_path: Path) -> Path:
    source = sources(tmp_path / "src")
    # Without build isolation when setuptools and wheel are at hand: no download of the build tools.
    local = all(importlib.util.find_spec(tool) for tool in ("setuptools", "wheel"))
    isolation = ["--no-build-isolation"] if local else []
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", *isolation, "-q", "-w",
                    str(tmp_path / "wheel")], check=True, capture_output=True, timeout=300)
    [wheel] = (tmp_path / "wheel").glob("peticiones-*.whl")
    return wheel


def test_the_wheel_carries_the_model_and_an_installed_copy_finds_it(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    model = {str(p.relative_to(ROOT / "models")) for p in (ROOT / "models" / "peticiones").rglob("*") if p.is_file()}
    assert model and {f"peticiones_models/{name}" for name in model} <= names
    assert "peticiones_models/seed/peticiones.jsonl" in names
    assert "classifiers/catalogo.json" in names and "pipeline/settings.py" in names
    # Installed: the wheel's files alone on the path, away from the checkout; the default model is the wheel's.
    installed = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(installed)
    shown = subprocess.run(
        [sys.executable, "-c", "from pipeline.settings import Settings; from classifiers.corpus import SEED; "
                               "m = Settings().model; print(m); print((m / 'meta.json').is_file(), SEED.is_file())"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(installed)}, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    path, found = shown.stdout.splitlines()
    assert Path(path) == installed / "peticiones_models" / "peticiones" and found == "True True"
