"""Choose the Python that runs models (a venv or conda env where their dependencies live).

The choice is checked with :func:`rafiki.runner.check_interpreter` in a child process: its
version, whether it can import a compatible ``rafiki`` (installed, or the workbench's source
put on its path), and the open model's ``dependencies``. What is missing is shown with the
exact pip command; "Install" runs that command in that environment with its output streamed
here, and only when the user presses it. The choice is kept in the GUI settings and used by
the tunings started afterwards.
"""

from __future__ import annotations

import shlex
import sys
from typing import Any

from PySide6.QtCore import QProcess, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import file_dialogs
from ..function_worker import call_off_ui_thread
from ..session import Session
from ..settings import INTERPRETER_SETTING, chosen_interpreter, settings


def _check(python: str | None, dependencies: dict) -> Any:
    """The interpreter's report (on a worker: it starts that interpreter)."""
    from rafiki.runner import check_interpreter

    return check_interpreter(python, dependencies)


def _failed_report(python: str | None, error: dict) -> Any:
    """A check that could not run, as a report the dialog shows."""
    from rafiki.runner.interpreter import InterpreterReport

    return InterpreterReport(python=python or sys.executable,
                             error=f"{error['type']}: {error['message']}")


class InterpreterDialog(QDialog):
    """Pick, check and (on request) complete the interpreter that runs models."""

    sig_checked = Signal(object)
    """A check finished: (rafiki.runner.InterpreterReport)."""
    sig_install_finished = Signal(int)
    """The install command ended: (its exit code; the check runs again after it)."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Python interpreter for models")
        self.session = session
        self.report: Any = None
        self._generation = 0
        self._commands: list[list[str]] = []
        self.process: QProcess | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The Python that runs model files (empty: the workbench's own). "
                                "Pick the <code>python</code> of a venv or conda env that has "
                                "the model's dependencies."))
        row = QHBoxLayout()
        self.path_edit = QLineEdit(chosen_interpreter() or "")
        self.path_edit.setPlaceholderText(sys.executable)
        self.browse_button = QPushButton("Browse…")
        self.own_button = QPushButton("The workbench's")
        self.check_button = QPushButton("Check")
        for widget in (self.path_edit, self.browse_button, self.own_button, self.check_button):
            row.addWidget(widget)
        layout.addLayout(row)
        self.summary = QLabel("Not checked yet.")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(110)
        layout.addWidget(self.details)
        command_row = QHBoxLayout()
        self.command_edit = QLineEdit()
        self.command_edit.setReadOnly(True)
        self.command_edit.setPlaceholderText("nothing to install")
        self.install_button = QPushButton("Install")
        self.install_button.setToolTip("Run this command in that environment")
        self.install_button.setEnabled(False)
        command_row.addWidget(QLabel("Command:"))
        command_row.addWidget(self.command_edit, 1)
        command_row.addWidget(self.install_button)
        layout.addLayout(command_row)
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The install command's output appears here.")
        layout.addWidget(self.output, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 520)
        self.browse_button.clicked.connect(self._browse)
        self.own_button.clicked.connect(lambda: (self.path_edit.setText(""), self.check()))
        self.check_button.clicked.connect(self.check)
        self.install_button.clicked.connect(self.install)
        self.path_edit.returnPressed.connect(self.check)

    @property
    def python(self) -> str | None:
        return self.path_edit.text().strip() or None

    def _browse(self) -> None:
        path = file_dialogs.open_path(self, "Choose a Python interpreter")
        if path:
            self.path_edit.setText(path)
            self.check()

    def check(self) -> None:
        """Check the chosen interpreter in a child process; the answer arrives later."""
        self._generation += 1
        generation, python = self._generation, self.python
        dependencies = dict(self.session.dependencies)
        self.summary.setText(f"Checking {python or sys.executable}…")
        self.install_button.setEnabled(False)

        call_off_ui_thread(self, _check, python, dependencies,
                           on_returned=lambda report: self._show_report(report, generation),
                           on_errored=lambda error: self._show_report(
                               _failed_report(python, error), generation),
                           thread_name="rafiki-check-interpreter")

    def _show_report(self, report: Any, generation: int) -> None:
        if generation != self._generation:
            return
        self.report = report
        from rafiki.runner.child_command import child_command

        if report.ok:
            self.summary.setText(f"<b>Ready</b>: Python {report.version}, rafiki "
                                 f"{report.rafiki_version} ({report.rafiki_source}); every "
                                 f"dependency of the model is there.")
        elif report.error:
            self.summary.setText(f"<b>Not usable</b>: {report.error}")
        else:
            problems = [line for line in report.describe().splitlines()[1:]
                        if not line.startswith(("install with", "rafiki "))]
            self.summary.setText("<b>Not ready</b>: " + "; ".join(problems))
        lines = [report.describe(), "",
                 "Models run as: " + shlex.join(child_command(report.python))]
        self.details.setPlainText("\n".join(lines))
        commands = report.install_commands() if not report.error else []
        self._commands = [shlex.split(c) for c in commands]
        self.command_edit.setText(" && ".join(commands))
        self.install_button.setEnabled(bool(commands) and self.process is None)
        self.sig_checked.emit(report)

    def install(self) -> None:
        """Run the install commands one after another, streaming their output."""
        if self.process is not None or not self._commands:
            return
        self.install_button.setEnabled(False)
        self.output.clear()
        self._run_next(list(self._commands))

    def _run_next(self, commands: list[list[str]]) -> None:
        command = commands.pop(0)
        self.output.appendPlainText("$ " + shlex.join(command) + "\n")
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(lambda: self._stream(process))
        process.finished.connect(lambda code, _status: self._installed(code, commands))
        process.errorOccurred.connect(lambda error: error == QProcess.ProcessError.FailedToStart
                                      and self._installed(127, []))
        self.process = process
        process.start(command[0], command[1:])

    def _stream(self, process: QProcess) -> None:
        """Append what the command wrote, as it comes."""
        text = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        self.output.moveCursor(QTextCursor.MoveOperation.End)
        self.output.insertPlainText(text)
        self.output.ensureCursorVisible()

    def _installed(self, code: int, remaining: list[list[str]]) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.deleteLater()
        if code == 0 and remaining:
            self._run_next(remaining)
            return
        self.output.appendPlainText(f"\n[exit code {code}]" + (
            "" if code == 0 else " — the install failed; see the output above"))
        self.sig_install_finished.emit(code)
        self.check()

    def accept(self) -> None:
        """Keep the choice for the tunings started from now on."""
        stored = settings()
        stored.setValue(INTERPRETER_SETTING, self.python or "")
        stored.sync()
        super().accept()
