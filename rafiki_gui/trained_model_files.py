"""Save the last run's trained model (knobs + parameters) as one file, and open such files.

A file from elsewhere holds a pickle: opening it asks first, because unpickling runs code.
The parameters are then served by the predictions panel's predict service, and the knobs
come back into the form when the file was made for the open model class.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from rafiki.params_bundle import BUNDLE_SUFFIX, Bundle, BundleError, export_bundle, import_bundle
from rafiki.paths import data_dir

from . import file_dialogs

FILE_FILTER = f"Trained models (*{BUNDLE_SUFFIX})"
UNTRUSTED_WARNING = ("The parameters in {name} are a Python pickle written elsewhere; loading "
                     "them runs code from it. Open only files you trust. Open it?")


def export_last_run(window, path: str | None = None) -> Path | None:
    """Write the last completed run's knobs and parameters; None when there is nothing."""
    session = window.session
    outcome = session.last_outcome
    result = (outcome.result or {}) if outcome is not None else {}
    if result.get("status") != "completed" or not result.get("params_path"):
        window.show_problem("Nothing to save: run the model to completion first.")
        return None
    if path is None:
        default = str(Path(session.model_path).with_suffix(BUNDLE_SUFFIX))
        path = file_dialogs.save_path(window, "Save trained model", default, FILE_FILTER)
        if not path:
            return None
    try:
        return export_bundle(path, model_file_path=session.model_path,
                             model_class=session.model_class, task=session.task,
                             knobs=result.get("knobs") or {}, params_path=result["params_path"],
                             params_sha256=result["params_sha256"])
    except (BundleError, OSError) as exc:
        window.show_problem(f"Could not save the trained model: {exc}")
        return None


def _ask_trust(parent: QWidget, path: str) -> bool:
    answer = QMessageBox.warning(
        parent, "Open trained model", UNTRUSTED_WARNING.format(name=Path(path).name),
        QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Open


def open_trained_model(window, path: str | None = None,
                       confirm: Callable[[QWidget, str], bool] = _ask_trust) -> Bundle | None:
    """Load a trained-model file for the open model file and show its predictions."""
    session = window.session
    if path is None:
        path = file_dialogs.open_path(window, "Open trained model", "", FILE_FILTER)
        if not path:
            return None
    if not session.model_path:
        window.show_problem("Open the model file the trained model was made with "
                                      "first.")
        return None
    if not confirm(window, path):
        return None
    try:
        bundle = import_bundle(path, str(data_dir() / "imported"))
    except BundleError as exc:
        window.show_problem(str(exc))
        return None
    if bundle.model_class != session.model_class:
        window.show_problem(
            f"{Path(path).name} holds a {bundle.model_class} of {bundle.model_file_name}, but the "
            f"open class is {session.model_class or 'none'}; open that model file first.")
        return None
    session.set_knobs(bundle.knobs)
    window.predictions_panel.show_trial(session.model_path, bundle.model_class, bundle.task,
                                        bundle.knobs, bundle.params_path, bundle.params_sha256,
                                        label=f"trained model {Path(path).name}")
    window.result_tabs.setCurrentWidget(window.predictions_panel)
    return bundle
