"""Every setting is described in code and documented in the README, and read from PETICIONES_ variables."""

from __future__ import annotations

from pathlib import Path

from pipeline.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_described_and_documented():
    for name, field in Settings.model_fields.items():
        assert field.description, name
        assert f"`PETICIONES_{name.upper()}`" in README, name


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PETICIONES_HOME", str(tmp_path))
    monkeypatch.setenv("PETICIONES_POLLING", "2.5")
    settings = Settings()
    assert settings.home == tmp_path and settings.polling == 2.5
    assert settings.db_url == f"sqlite:///{tmp_path.resolve() / 'peticiones.db'}"
    assert settings.inbox == tmp_path / "entrada"
