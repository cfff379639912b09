"""Where the data shipped with peticiones lives (the trained model and its seed corpus, models/ in the source tree):
in the source tree, or installed with the wheel as the data-only package `peticiones_models` (pyproject.toml maps
it to models/)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "models"


def shipped(*parts: str) -> Path:
    """The path of a shipped file or folder, e.g. shipped("peticiones") for the model: the source tree's models/
    when it is there (a checkout, `make run`), else the installed `peticiones_models` (pip install of the wheel)."""
    if SOURCE.joinpath(*parts).exists():
        return SOURCE.joinpath(*parts)
    # The package's folders as the import system finds them, not importlib.resources: it has no __init__.py
    # (models/ is data only), and Python 3.11's resource readers fail on such a package under an editable finder.
    spec = importlib.util.find_spec("peticiones_models")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        if Path(folder).joinpath(*parts).exists():
            return Path(folder).joinpath(*parts)
    return SOURCE.joinpath(*parts)  # nowhere: the caller reports what is missing (model_missing)
