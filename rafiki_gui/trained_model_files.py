"""Save the last run's trained model (knobs + parameters) as one file, and open such files.

A file saved by this user's workbench (its HMAC checks out, :mod:`rafiki.params_bundle`) opens
without a word; any other holds a pickle someone else wrote, so opening it asks first, because
unpickling runs code. The file is read on a worker thread, within its size limits. The
parameters are then unpickled only by the predictions panel's predict service, a child
process, and the knobs come back into the form when the file was made for the open model class.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from rafiki.params_bundle import BUNDLE_SUFFIX, Bundle, BundleError, export_bundle, import_bundle
from rafiki.paths import data_dir

from . import file_dialogs
from .function_worker import call_off_ui_thread

FILE_FILTER = f"Trained models (*{BUNDLE_SUFFIX})"
UNTRUSTED_WARNING = ("The parameters in {name} are a Python pickle written elsewhere (or "
                     "altered since this workbench saved it); loading them runs code from it. "
                     "Open only files you trust. Open it?")


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
                       confirm: Callable[[QWidget, str], bool] = _ask_trust,
                       on_done: Callable[[Bundle | None], None] | None = None) -> bool:
    """Read a trained-model file (on a worker thread) for the open model file and show its
    predictions; ``on_done`` gets the bundle, or None when it was refused or declined.
    Returns whether reading started."""
    session = window.session
    done = on_done or (lambda _bundle: None)
    if path is None:
        path = file_dialogs.open_path(window, "Open trained model", "", FILE_FILTER)
        if not path:
            return False
    if not session.model_path:
        window.show_problem("Open the model file the trained model was made with first.")
        return False

    def refused(error: dict) -> None:
        window.show_problem(error.get("message") or "the file could not be read")
        done(None)

    def read(bundle: Bundle) -> None:
        done(_show_bundle(window, path, bundle, confirm))

    call_off_ui_thread(window, import_bundle, path, str(data_dir() / "imported"),
                       on_returned=read, on_errored=refused)
    return True


def _show_bundle(window, path: str, bundle: Bundle,
                 confirm: Callable[[QWidget, str], bool]) -> Bundle | None:
    """The read bundle into the window: asked first unless this user's workbench saved it."""
    session = window.session
    if not bundle.signed and not confirm(window, path):
        Path(bundle.params_path).unlink(missing_ok=True)  # declined: not kept either
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
