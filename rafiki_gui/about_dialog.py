"""Help > About: the app's version and those of the parts a bug report needs (Python, Qt and
PySide6, pyqtgraph, numpy), with whether this is the packaged app, and a Copy button so the
lines can be pasted into an issue as they are."""

from __future__ import annotations

import platform
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from .resources import APP_ICON, resource_path

APP_TITLE = "Rafiki Workbench"


def version_lines() -> list[tuple[str, str]]:
    """(part, version) pairs, in the order shown; no Qt widget needed (testable alone)."""
    import numpy
    import pyqtgraph
    import PySide6
    from PySide6.QtCore import qVersion

    import rafiki

    frozen = bool(getattr(sys, "frozen", False))
    return [
        (APP_TITLE, rafiki.__version__),
        ("Build", "packaged app" if frozen else "from source"),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("pyqtgraph", pyqtgraph.__version__),
        ("numpy", numpy.__version__),
        ("System", f"{platform.system()} {platform.release()} ({platform.machine()})"),
    ]


def versions_text() -> str:
    return "\n".join(f"{part}: {version}" for part, version in version_lines())


class AboutDialog(QDialog):
    """What this workbench is, and exactly which versions of its parts are running."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_TITLE}")
        icon = QLabel()
        icon.setPixmap(QIcon(str(resource_path(*APP_ICON))).pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        heading = QLabel(f"<h3>{APP_TITLE}</h3>Run, watch, inspect and tune Rafiki models: "
                         "one model file, its knobs, live plots and predictions.")
        heading.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addWidget(heading, 1)
        self.version_labels: dict[str, QLabel] = {}
        form = QFormLayout()
        for part, version in version_lines():
            label = QLabel(version)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.version_labels[part] = label
            form.addRow(f"{part}:", label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = buttons.addButton("Copy versions",
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_versions)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def copy_versions(self) -> None:
        """The version lines, to paste into a bug report."""
        QGuiApplication.clipboard().setText(versions_text())


def show_about(parent: QWidget | None = None) -> AboutDialog:
    """Open the About dialog (modal to ``parent``) and return it."""
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
