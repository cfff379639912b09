"""Where the data shipped with peticiones lives (the trained model and its seed corpus, models/ in the source tree):
in the source tree, or installed with the wheel as the data-only package `peticiones_models` (pyproject.toml maps
it to models/)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "models"


def shipped(*parts: str) -> Path:
    """The path of a shipped file or folder, e.g. shipped("peticiones") for the model: the source tree's models/
    when it is there (a checkout, `make run`), else the installed `peticiones_models` (pip install of the wheel)."""
    if SOURCE.joinpath(*parts).exists():
        return SOURCE.joinpath(*parts)
    try:
        found = resources.files("peticiones_models")
    except ModuleNotFoundError:
        return SOURCE.joinpath(*parts)  # neither: the caller reports the missing model (model_missing)
    for part in parts:  # one at a time: a namespace package's joinpath takes one name on Python 3.11
        found = found.joinpath(part)
    return Path(str(found))
