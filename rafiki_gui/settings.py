"""The GUI's settings file (geometry, recent files, choices): an INI file in the data folder,
so tests and CI (which point RAFIKI_HOME at a temp folder) never touch a user's settings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from rafiki.paths import data_dir

MAX_RECENT = 10
INTERPRETER_SETTING = "runner/python"


def settings() -> QSettings:
    return QSettings(str(data_dir() / "gui-settings.ini"), QSettings.Format.IniFormat)


def recent_files(key: str = "recent_models") -> list[str]:
    value = settings().value(key, [])
    if isinstance(value, str):  # QSettings gives a str for a one-item list in INI files
        value = [value]
    return [str(v) for v in (value or [])]


def add_recent_file(path: str, key: str = "recent_models") -> list[str]:
    """Put ``path`` first in the recent list (kept short, no duplicates); returns the list."""
    paths = [path] + [p for p in recent_files(key) if p != path]
    paths = paths[:MAX_RECENT]
    store = settings()
    store.setValue(key, paths)
    store.sync()
    return paths


def chosen_interpreter() -> str | None:
    """The Python chosen to run models (interpreter settings), or None for the workbench's."""
    value = settings().value(INTERPRETER_SETTING, "")
    return str(value) if value else None


def _plot_key(title: str, choice: str) -> str:
    """A plot title as one settings key: titles may hold '/' (a group separator) or '='."""
    from urllib.parse import quote

    return f"plots/{quote(title, safe='')}/{choice}"


def plot_choice(title: str, choice: str, default: object) -> object:
    """A plot's remembered choice (smoothing, log y, x axis), shared by every plot with that
    title in every run: a user who smooths "Loss" once sees every later "Loss" smoothed."""
    value = settings().value(_plot_key(title, choice), default)
    if isinstance(default, bool):  # INI files give back "true"/"false"
        return value in (True, "true", "1", 1)
    if isinstance(default, float):
        try:
            return float(value)
        except (TypeError, ValueError):
            return default
    return value


def set_plot_choice(title: str, choice: str, value: object) -> None:
    store = settings()
    store.setValue(_plot_key(title, choice), value)
    store.sync()


def _model_key(model_path: str, role: str) -> str:
    from urllib.parse import quote

    return f"model_datasets/{quote(str(model_path), safe='')}/{role}"


def model_datasets(model_path: str) -> tuple[str, str]:
    """The (train, test) datasets a model file last ran with ("" where none)."""
    store = settings()
    return (str(store.value(_model_key(model_path, "train"), "") or ""),
            str(store.value(_model_key(model_path, "test"), "") or ""))


def remember_model_datasets(model_path: str, train: str, test: str) -> None:
    """Note the datasets a model file runs with, so opening it again brings them back."""
    store = settings()
    store.setValue(_model_key(model_path, "train"), str(train))
    store.setValue(_model_key(model_path, "test"), str(test))
    store.sync()
