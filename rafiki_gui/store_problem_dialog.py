"""The window's word when the experiment store cannot be used: the CLI's one line, in a dialog.

The session then keeps experiments in memory (see ``Session.experiments``), so runs and
tunings still work and are shown, only not kept after the window closes; the dialog says so.
It does not block (``open()``, not ``exec()``): the window behind it goes on starting.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from .session import Session

DIALOG_TITLE = "Experiment store unavailable"
IN_MEMORY_NOTE = ("Until it is fixed, this window keeps its runs and tunings in memory: they "
                  "are shown as usual but are not kept after the window closes.")


def show_store_problem(parent: QWidget, message: str) -> QMessageBox:
    """The message (one line: the file, what is wrong, what to do) in a non-blocking dialog."""
    box = QMessageBox(QMessageBox.Icon.Warning, DIALOG_TITLE, message,
                      QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(IN_MEMORY_NOTE)
    box.setObjectName("store-problem-dialog")
    box.open()
    return box


def watch_store_problems(parent: QWidget, session: Session) -> None:
    """Show the dialog whenever the session finds its store unusable, and open the store now
    (at the window's start) so that a problem is said at once rather than at the first run."""
    session.sig_store_problem.connect(lambda message: show_store_problem(parent, message))
    if session.store_problem is not None:
        show_store_problem(parent, session.store_problem)
    else:
        session.experiments  # noqa: B018 (opening it is the point: a problem shows the dialog)
