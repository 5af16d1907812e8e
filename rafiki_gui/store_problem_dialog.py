"""The window's word when the experiment store cannot be used: the CLI's one line, in a dialog.

The session then keeps experiments in memory (see ``Session.experiments``), so runs and
tunings still work and are shown, only not kept after the window closes; the dialog says so.
It does not block (``open()``, not ``exec()``): the window behind it goes on starting. Its
Retry button tries the store again off the UI thread (the other program may have let go).
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from .session import Session

DIALOG_TITLE = "Experiment store unavailable"
IN_MEMORY_NOTE = ("Until it is fixed, this window keeps its runs and tunings in memory: they "
                  "are shown as usual but are not kept after the window closes.")


def show_store_problem(parent: QWidget, message: str,
                       session: Session | None = None) -> QMessageBox:
    """The message (one line: the file, what is wrong, what to do) in a non-blocking dialog;
    with a ``session``, a Retry button tries the store again."""
    buttons = QMessageBox.StandardButton.Ok
    if session is not None:
        buttons |= QMessageBox.StandardButton.Retry
    box = QMessageBox(QMessageBox.Icon.Warning, DIALOG_TITLE, message, buttons, parent)
    box.setInformativeText(IN_MEMORY_NOTE)
    box.setObjectName("store-problem-dialog")
    if session is not None:
        box.button(QMessageBox.StandardButton.Retry).clicked.connect(session.retry_store)
    box.open()
    return box


def watch_store_problems(parent: QWidget, session: Session) -> None:
    """Show the dialog whenever the session finds its store unusable, and open the store now
    (at the window's start, off the UI thread) so that a problem, a lock held by another
    program included, is said at once rather than at the first run."""
    session.sig_store_problem.connect(
        lambda message: show_store_problem(parent, message, session))
    session.sig_store_ready.connect(lambda message: _say_ready(parent, message))
    if session.store_problem is not None:
        show_store_problem(parent, session.store_problem, session)
    else:
        session.open_store_off_ui_thread()


def _say_ready(parent: QWidget, message: str) -> None:
    status_bar = getattr(parent, "statusBar", None)
    if status_bar is not None:
        status_bar().showMessage(message, 10_000)
