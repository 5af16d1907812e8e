"""The one-line run status under the results: state, stage, progress, elapsed/ETA and score,
with a button that opens the run details (stages, messages, output).

A plain view with setters and no Session: whoever knows the run feeds it (today the window's
:class:`~rafiki_gui.run_status_feed.RunStatusFeed`), so a better progress or ETA source can
replace the feed without touching the strip.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QWidget,
)

TONE_COLORS = {"neutral": "", "running": "#1e88e5", "ok": "#43a047", "error": "#e53935",
               "stopped": "#9e9e9e"}
PROGRESS_WIDTH = 160
"""Wide enough for "12 / 12 stages" and short enough for a 1024-pixel window."""


def format_duration(seconds: float) -> str:
    """``4.2 s``, ``3 min 05 s`` or ``1 h 02 min``: short, and exact where it matters."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class RunStatusStrip(QFrame):
    """State · stage · progress · elapsed (ETA) · score · Details."""

    sig_details_toggled = Signal(bool)
    """The user asked to open (True) or close (False) the run details."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("RunStatusStrip")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(12)
        self.state_label = QLabel("Ready")
        self.state_label.setObjectName("state")
        self.stage_label = QLabel()
        self.stage_label.setObjectName("stage")
        self.progress = QProgressBar()
        self.progress.setFixedWidth(PROGRESS_WIDTH)
        self.progress.setMaximumHeight(16)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.elapsed_label = QLabel()
        self.elapsed_label.setObjectName("elapsed")
        self.score_label = QLabel()
        self.score_label.setObjectName("score")
        self.score_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details_button = QToolButton()
        self.details_button.setCheckable(True)
        self.details_button.setAutoRaise(True)
        self.details_button.setText("Details")
        self.details_button.setArrowType(Qt.ArrowType.UpArrow)
        self.details_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.details_button.setToolTip("Show or hide the run details: stages, messages and "
                                       "output (F8)")
        self.details_button.toggled.connect(self._details_toggled)
        layout.addWidget(self.state_label)
        layout.addWidget(self.stage_label, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.elapsed_label)
        layout.addWidget(self.score_label)
        layout.addWidget(self.details_button)
        self.score: float | None = None
        """The score shown (the last run's), kept to mark it as the previous run's."""
        self.set_state("Ready")

    # -- the API a run's feed calls ------------------------------------------------------

    def set_state(self, text: str, tone: str = "neutral") -> None:
        """What the run is: Ready, Running, Completed, Failed, Stopped… ``tone`` colours it
        (neutral, running, ok, error, stopped)."""
        color = TONE_COLORS.get(tone, "")
        self.state_label.setText(text)
        self.state_label.setStyleSheet(f"font-weight: bold; color: {color};" if color
                                       else "font-weight: bold;")

    def set_stage(self, text: str) -> None:
        """The stage going on (or how the last one ended); empty clears it."""
        self.stage_label.setText(text)

    def set_progress(self, done: int | None, total: int | None = None,
                     unit: str = "stages") -> None:
        """``done`` of ``total`` (a busy bar when total is 0, hidden when done is None)."""
        if done is None:
            self.progress.hide()
            return
        self.progress.setRange(0, max(total or 0, 0))
        self.progress.setValue(done)
        self.progress.setFormat(f"%v / %m {unit}" if total else unit)
        self.progress.show()

    def set_elapsed(self, seconds: float | None, eta: float | None = None) -> None:
        """Elapsed time, and the estimated time left when known; None clears it."""
        if seconds is None:
            self.elapsed_label.clear()
            return
        text = format_duration(seconds)
        if eta is not None:
            text += f" · ETA {format_duration(eta)}"
        self.elapsed_label.setText(text)

    def set_score(self, score: float | None) -> None:
        self.score = score
        self.score_label.setText("" if score is None else f"<b>Score {score:.4f}</b>")

    def mark_previous(self) -> None:
        """What is shown belongs to the previous run (this one was refused): its progress
        and time go, its score stays greyed and named as the previous run's. "Not run" beside
        "12/12 stages · Score 0.9600" read as a run that did all its stages."""
        self.set_stage("")
        self.set_progress(None)
        self.set_elapsed(None)
        score = self.score
        self.score_label.setText("" if score is None else
                                 f"<span style='color:{TONE_COLORS['stopped']}'>previous run: "
                                 f"score {score:.4f}</span>")

    def clear(self) -> None:
        """Back to "Ready", nothing else shown."""
        self.set_state("Ready")
        self.set_stage("")
        self.set_progress(None)
        self.set_elapsed(None)
        self.set_score(None)

    # -- the details button --------------------------------------------------------------

    def set_details_open(self, shown: bool) -> None:
        """Follow the details pane's visibility (opened by an error, the menu, or closed)."""
        self.details_button.blockSignals(True)
        self.details_button.setChecked(shown)
        self.details_button.blockSignals(False)
        self._show_arrow(shown)

    def _details_toggled(self, shown: bool) -> None:
        self._show_arrow(shown)
        self.sig_details_toggled.emit(shown)

    def _show_arrow(self, shown: bool) -> None:
        self.details_button.setArrowType(Qt.ArrowType.DownArrow if shown
                                         else Qt.ArrowType.UpArrow)
