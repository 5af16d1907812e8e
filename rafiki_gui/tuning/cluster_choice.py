"""Where the tuning's trials run: "this machine" or "Ray cluster [address]", with Connect.

Connect asks the cluster for its nodes, CPUs and memory on a worker of its own (connecting
takes seconds, and Ray may not even be installed), and reports on the UI thread through a
queued signal. The tuning itself connects again on its worker's thread (Ray keeps one
connection per process, so the second time costs nothing); this widget only says where and
offers how many trials fit at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
)

from ..function_worker import call_off_ui_thread

RAY_MISSING = 'Ray is not installed here: pip install "rafiki-workbench[ray]"'


def _check_cluster(address: str) -> tuple[Any, str]:
    """(ClusterInfo or None, what to say), on a worker: connecting takes seconds."""
    try:
        from rafiki.cluster.connection import check_cluster
    except ImportError:
        return None, RAY_MISSING
    try:
        info = check_cluster(address)
    except Exception as exc:  # ClusterConnectionError and whatever Ray raises
        return None, str(exc)
    return info, info.summary()


class ClusterChoice(QGroupBox):
    """The "Run trials on" choice of the tuning tab."""

    sig_checked = Signal(object, str)
    """A Connect check ended: (rafiki.cluster.connection.ClusterInfo or None, message)."""
    sig_capacity = Signal(int)
    """How many trials the connected cluster holds at once (the "At once" to offer)."""

    def __init__(self, parent=None):
        super().__init__("Run trials on", parent)
        self.local_radio = QRadioButton("this machine")
        self.cluster_radio = QRadioButton("Ray cluster")
        self.local_radio.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.cluster_radio)
        self.address_edit = QLineEdit("auto")
        self.address_edit.setPlaceholderText("auto, HOST:PORT or ray://HOST:10001")
        self.address_edit.setToolTip(
            "The cluster's address: auto (the cluster this machine is a node of), the head's "
            "HOST:PORT, or ray://HOST:10001 through Ray's client (see docs/CLUSTER.md)")
        self.connect_button = QPushButton("Connect")
        self.connect_button.setToolTip("Ask the cluster for its nodes, CPUs and memory")
        self.result_label = QLabel("")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cluster_info: Any = None
        self._checking = False

        layout = QVBoxLayout(self)
        layout.addWidget(self.local_radio)
        row = QHBoxLayout()
        row.addWidget(self.cluster_radio)
        row.addWidget(self.address_edit, 1)
        row.addWidget(self.connect_button)
        layout.addLayout(row)
        layout.addWidget(self.result_label)

        self.connect_button.clicked.connect(self.check)
        self.cluster_radio.toggled.connect(self._update)
        self.address_edit.textChanged.connect(self._address_changed)
        self.sig_checked.connect(self._checked, Qt.ConnectionType.QueuedConnection)
        self._update()

    # -- what the tuning needs ---------------------------------------------------------------

    @property
    def on_cluster(self) -> bool:
        return self.cluster_radio.isChecked()

    @property
    def address(self) -> str:
        return self.address_edit.text().strip() or "auto"

    def executor_factory(self) -> Callable[[], Any] | None:
        """None for this machine; else what makes the cluster's executor, called on the
        tuning worker's thread (it connects)."""
        if not self.on_cluster:
            return None
        address = self.address

        def make():
            from rafiki.cluster.ray_executor import RayExecutor

            return RayExecutor(address)

        return make

    def describe(self) -> str:
        return f" on the Ray cluster at {self.address}" if self.on_cluster else ""

    # -- Connect -----------------------------------------------------------------------------

    def check(self) -> None:
        """Connect and describe the cluster, off the UI thread."""
        if self._checking:
            return
        self._checking = True
        self.cluster_radio.setChecked(True)
        self.result_label.setText(f"Connecting to {self.address}…")
        self._update()
        call_off_ui_thread(self, _check_cluster, self.address,
                           on_returned=lambda answer: self.sig_checked.emit(*answer),
                           on_errored=lambda error: self.sig_checked.emit(None,
                                                                          error["message"]),
                           thread_name="rafiki-cluster-check")

    def _checked(self, info: Any, message: str) -> None:
        self._checking = False
        self.cluster_info = info
        self.result_label.setText(message if info is None else f"Connected: {message}")
        self.result_label.setToolTip("" if info is None else "\n".join(
            f"{node.name}: {node.cpus:g} CPUs, {node.memory_bytes / 1024 ** 3:.1f} GB"
            + ("" if node.alive else " (dead)") for node in info.nodes))
        self._update()
        if info is not None:
            self.sig_capacity.emit(info.capacity(1.0))

    def _address_changed(self) -> None:
        self.cluster_info = None
        self.result_label.setText("")

    def _update(self) -> None:
        self.connect_button.setEnabled(not self._checking)

    def set_editable(self, editable: bool) -> None:
        """Locked while a tuning runs (its trials already run where it started them)."""
        for widget in (self.local_radio, self.cluster_radio, self.address_edit):
            widget.setEnabled(editable)
        self.connect_button.setEnabled(editable and not self._checking)
