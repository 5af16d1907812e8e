"""The train and test datasets, the run's queries and the class/tag names: pickers, drops,
summaries, what a run would refuse, a preview.

A view over the Session: choosing a file calls the session's setter; the Session reads the
dataset off the UI thread and this panel paints the summary when it arrives, so a large zip
never freezes the window. Next to each dataset stands what would stop a run (a file that is
no dataset, samples that cannot be read, a dataset of another type than the model's task) and,
in orange, what only looks wrong. A names file that does not fit the datasets is shown with
the reason and not applied; the one beside a dataset zip is offered.

Run alone for a look: ``python -m rafiki_gui.panels.datasets_panel [TRAIN.zip [TEST.zip
[NAMES]]]``.
"""

from __future__ import annotations

import html
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import file_dialogs
from ..dataset_loader import DatasetView
from ..image_grid import ImageGrid
from ..label_names import label_text
from ..session import Session
from .queries_box import QueriesBox

DATASET_FILTER = "Rafiki datasets (*.zip)"
NAMES_FILTER = "Class or tag names (*.csv *.tsv *.txt);;All files (*)"
NAMES_SUFFIXES = (".csv", ".tsv", ".txt")
SHOWN_LABELS = 12
PREVIEW_MIN_HEIGHT = 240
ERROR_COLOR = "#e53935"
WARNING_COLOR = "#ef6c00"


class DatasetsPanel(QWidget):
    """Train/test pickers with summaries, the names file, and a preview of the samples."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.setAcceptDrops(True)

        self.path_edits: dict[str, QLineEdit] = {}
        self.summary_labels: dict[str, QLabel] = {}
        self.groups: dict[str, QGroupBox] = {}
        # in a scroll area: the summaries, refusals and names grow with what they have to say,
        # and on a 768-pixel-high screen they would otherwise be cut off mid-sentence
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(self.scroll)
        content = QWidget()
        self.scroll.setWidget(content)
        layout = QVBoxLayout(content)
        for which, title in (("train", "Train dataset"), ("test", "Test dataset")):
            layout.addWidget(self._dataset_group(which, title))
        self.queries_box = QueriesBox(session)
        layout.addWidget(self.queries_box)
        layout.addWidget(self._names_group())
        layout.addWidget(self._preview_group(), 1)

        session.sig_datasets_changed.connect(self._sync_datasets)
        session.sig_dataset_read.connect(lambda _role: self._sync_datasets())
        session.sig_label_names_changed.connect(self._sync_label_names)
        session.sig_inspection_changed.connect(lambda _i: self._sync_datasets())
        session.sig_model_class_changed.connect(lambda _name: self._sync_datasets())
        self._sync_datasets()
        self._sync_label_names()

    @property
    def views(self) -> dict[str, DatasetView]:
        """The datasets read so far, by role."""
        return {role: view for role in ("train", "test")
                if (view := self.session.dataset_view(role)) is not None}

    # -- building -----------------------------------------------------------------------

    def _dataset_group(self, which: str, title: str) -> QGroupBox:
        group = QGroupBox(title)
        grid = QGridLayout(group)
        edit = QLineEdit()
        edit.setReadOnly(True)
        edit.setPlaceholderText("Choose or drop a .zip (IMAGE_FILES or CORPUS)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(lambda: self.ask_dataset(which))
        summary = QLabel()
        summary.setWordWrap(True)
        summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(edit, 0, 0)
        grid.addWidget(browse, 0, 1)
        grid.addWidget(summary, 1, 0, 1, 2)
        self.path_edits[which], self.summary_labels[which], self.groups[which] = \
            edit, summary, group
        return group

    def _names_group(self) -> QGroupBox:
        group = QGroupBox("Class / tag names (optional)")
        grid = QGridLayout(group)
        self.names_edit = QLineEdit()
        self.names_edit.setReadOnly(True)
        self.names_edit.setPlaceholderText("class,name CSV or tag<TAB>name TSV")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.ask_label_names)
        self.names_clear = QPushButton("Clear")
        self.names_clear.clicked.connect(lambda: self.set_label_names(""))
        self.names_label = QLabel()
        self.names_label.setWordWrap(True)
        self.names_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.names_offer_button = QPushButton()
        self.names_offer_button.setToolTip("The names file shipped beside the chosen dataset")
        self.names_offer_button.clicked.connect(
            lambda: self.set_label_names(self.session.names_offer, auto=True))
        grid.addWidget(self.names_edit, 0, 0)
        grid.addWidget(browse, 0, 1)
        grid.addWidget(self.names_clear, 0, 2)
        grid.addWidget(self.names_label, 1, 0, 1, 3)
        grid.addWidget(self.names_offer_button, 2, 0, 1, 3)
        self.groups["names"] = group
        return group

    def _preview_group(self) -> QGroupBox:
        group = QGroupBox("Preview")
        group.setMinimumHeight(PREVIEW_MIN_HEIGHT)
        layout = QVBoxLayout(group)
        row = QHBoxLayout()
        row.addWidget(QLabel("Samples of the"))
        self.preview_choice = QComboBox()
        self.preview_choice.addItem("train dataset", "train")
        self.preview_choice.addItem("test dataset", "test")
        self.preview_choice.currentIndexChanged.connect(lambda _: self._show_preview())
        row.addWidget(self.preview_choice)
        row.addStretch(1)
        layout.addLayout(row)
        self.preview_stack = QStackedWidget()
        self.preview_empty = QLabel("No dataset to preview yet.")
        self.preview_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_grid = ImageGrid()
        self.sentence_view = QTextBrowser()
        for widget in (self.preview_empty, self.image_grid, self.sentence_view):
            self.preview_stack.addWidget(widget)
        layout.addWidget(self.preview_stack, 1)
        return group

    # -- choosing files -----------------------------------------------------------------

    def ask_dataset(self, which: str) -> None:
        path = file_dialogs.open_path(self, f"Choose the {which} dataset",
                                       self.path_edits[which].text(), DATASET_FILTER)
        if path:
            self.set_dataset(which, path)

    def set_dataset(self, which: str, path: str) -> None:
        """Choose the train or test dataset (the session tells every panel)."""
        if which == "train":
            self.session.set_train_path(path)
        else:
            self.session.set_test_path(path)

    def ask_label_names(self) -> None:
        path = file_dialogs.open_path(self, "Choose a class/tag names file",
                                       self.names_edit.text(), NAMES_FILTER)
        if path:
            self.set_label_names(path)

    def set_label_names(self, path: str, auto: bool = False) -> bool:
        """Use a names file ("" for none); a file that does not parse is reported here and the
        names in use stay. True when taken (it is applied only if it fits the datasets)."""
        try:
            self.session.set_label_names_path(path, auto=auto)
        except (ValueError, OSError) as exc:
            message = str(exc) if path in str(exc) else f"{path}: {exc}"
            self.names_label.setText(_colored(f"Names not loaded: {message}", ERROR_COLOR))
            return False
        return True

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if any(Path(path).suffix.lower() in (".zip", *NAMES_SUFFIXES)
               for path in _local_paths(event)):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        """A .zip dropped on the train or test box goes there (elsewhere: by its name); a
        .csv/.tsv is the names file."""
        target = None
        position = event.position().toPoint()
        for which in ("train", "test"):
            group = self.groups[which]
            if group.rect().contains(group.mapFrom(self, position)):
                target = which
        for path in _local_paths(event):
            suffix = Path(path).suffix.lower()
            if suffix in NAMES_SUFFIXES:
                self.set_label_names(path)
            elif suffix == ".zip":
                self.set_dataset(target or self._guess_role(path), path)
        event.acceptProposedAction()

    def _guess_role(self, path: str) -> str:
        name = Path(path).name.lower()
        if "test" in name:
            return "test"
        if "train" in name or not self.session.train_path:
            return "train"
        return "test"

    # -- following the session ----------------------------------------------------------

    def _sync_datasets(self) -> None:
        """Paths, then for each dataset: reading, its summary and problems, or its error."""
        session = self.session
        for which in ("train", "test"):
            path = getattr(session, f"{which}_path")
            if self.path_edits[which].text() != path:
                self.path_edits[which].setText(path)
                self.path_edits[which].setToolTip(path)
            view, error = session.dataset_view(which), session.dataset_error(which)
            if not path:
                text = "<i>No dataset chosen.</i>"
            elif session.dataset_reading(which):
                text = "<i>Reading the dataset…</i>"
            elif error:
                text = _colored(f"✗ {error}", ERROR_COLOR)
            elif view is not None:
                text = self._summary_html(which, view)
            else:
                text = ""
            self.summary_labels[which].setText(text)
        self._show_preview()

    def is_loading(self) -> bool:
        """True while a dataset is still being read."""
        return self.session.dataset_reading()

    def _sync_label_names(self) -> None:
        session = self.session
        path = session.label_names_path
        self.names_edit.setText(path)
        self.names_edit.setToolTip(path)
        self.names_clear.setEnabled(bool(path))
        names = session.label_names
        if session.label_names_problem:
            self.names_label.setText(_colored(f"✗ Not used: {session.label_names_problem}",
                                              ERROR_COLOR))
        elif path:
            shown = ", ".join(n if n == str(i) else f"{i}={n}"
                              for i, n in list(sorted(names.items()))[:SHOWN_LABELS])
            more = f", … ({len(names)} in all)" if len(names) > SHOWN_LABELS else ""
            picked = " — picked: it sits beside the dataset" if session.label_names_auto else ""
            self.names_label.setText(html.escape(f"{len(names)} names: {shown}{more}{picked}"))
        else:
            self.names_label.setText("<i>Labels are shown as numbers.</i>")
        offer = session.names_offer
        self.names_offer_button.setVisible(bool(offer) and offer != path)
        self.names_offer_button.setText(f"Use {Path(offer).name} (beside the dataset)"
                                        if offer else "")
        self._sync_datasets()

    # -- painting -----------------------------------------------------------------------

    def summary_text(self, which: str) -> str:
        """The summary (or error) of the train or test dataset as the user reads it."""
        return _plain(self.summary_labels[which].text())

    def names_text(self) -> str:
        """What the panel says of the names file, as the user reads it."""
        return _plain(self.names_label.text())

    def _summary_html(self, which: str, view: DatasetView) -> str:
        summary, names = view.summary, self.session.label_names
        lines = []
        if summary.dataset_type == "IMAGE_FILES":
            classes = summary.classes or []
            shape = (f"{summary.image_shape[1]}×{summary.image_shape[0]} px"
                     if summary.image_shape else "image size unknown")
            lines.append(f"<b>{summary.size:,} images</b> · {len(classes)} classes · {shape}")
            lines.append("Classes: " + html.escape(_listed(classes, names)))
        else:
            lines.append(f"<b>{summary.size:,} sentences</b> · {summary.token_count or 0:,} "
                         f"tokens")
            for tag, count in zip(summary.tags or [], summary.tag_num_classes or [], strict=False):
                lines.append(f"Tag column <b>{html.escape(tag)}</b>: {count} classes: "
                             + html.escape(_listed(list(range(count)), names)))
        lines.append(f"Type: {summary.dataset_type}")
        refusals = self.session.dataset_problems(which)
        warnings = [w for w in self.session.dataset_warnings(which) if w not in refusals]
        for problem in refusals:
            lines.append(_colored(f"✗ Run refused: {problem}", ERROR_COLOR))
        for problem in warnings:
            lines.append(_colored(f"⚠ {problem}", WARNING_COLOR))
        if not refusals and not warnings:
            lines.append("No problems found.")
        return "<br>".join(lines)

    def _show_preview(self) -> None:
        which = self.preview_choice.currentData() or "train"
        session = self.session
        view = session.dataset_view(which)
        if view is None:
            other = "test" if which == "train" else "train"
            if not getattr(session, f"{which}_path"):
                view = session.dataset_view(other)
        if view is None:
            self.preview_empty.setText(session.dataset_error(which) and "The dataset could not "
                                       "be read (see above)." or "No dataset to preview yet.")
            self.preview_stack.setCurrentWidget(self.preview_empty)
            return
        names = self.session.label_names
        if view.images is not None and len(view.images):
            captions = [label_text(c, names) for c in view.image_classes]
            self.image_grid.set_images(list(view.images), captions,
                                       [label_text(c, names, with_index=True)
                                        for c in view.image_classes])
            self.preview_stack.setCurrentWidget(self.image_grid)
        elif view.sentences:
            self.sentence_view.setHtml(_sentences_html(view.sentences, names))
            self.preview_stack.setCurrentWidget(self.sentence_view)
        else:
            self.preview_empty.setText("The dataset has no samples to preview.")
            self.preview_stack.setCurrentWidget(self.preview_empty)

    def preview_text(self) -> str:
        """What the preview shows, as text: image captions or the sentences."""
        current = self.preview_stack.currentWidget()
        if current is self.image_grid:
            return " ".join(self.image_grid.captions())
        if current is self.sentence_view:
            return self.sentence_view.toPlainText()
        return self.preview_empty.text()


def _listed(indices: list[int], names: dict[int, str]) -> str:
    shown = [label_text(i, names) for i in indices[:SHOWN_LABELS]]
    more = f", … (+{len(indices) - SHOWN_LABELS})" if len(indices) > SHOWN_LABELS else ""
    return ", ".join(shown) + more


def _sentences_html(sentences: list[list[list]], names: dict[int, str]) -> str:
    """Each sentence as tokens with their (first) tag's name in small letters under them."""
    rows = []
    for sentence in sentences:
        tokens = " ".join(
            f"{html.escape(str(item[0]))}<sub style='color:#607d8b'>"
            f"{html.escape(label_text(item[1], names)) if len(item) > 1 else ''}</sub>"
            for item in sentence)
        rows.append(f"<p style='margin:4px 0'>{tokens}</p>")
    return "".join(rows)


def _plain(rich_text: str) -> str:
    document = QTextDocument()
    document.setHtml(rich_text)
    return document.toPlainText()


def _colored(text: str, color: str) -> str:
    return f"<span style='color:{color}'>{html.escape(text)}</span>"


def _local_paths(event) -> list[str]:
    data = event.mimeData()
    return [url.toLocalFile() for url in data.urls() if url.isLocalFile()] if data.hasUrls() else []


def main(argv: list[str]) -> int:
    """Show the panel alone over a fresh Session (a WidgetPreview)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv[:1])
    session = Session()
    panel = DatasetsPanel(session)
    paths = argv[1:]
    if paths[2:]:
        panel.set_label_names(paths[2])
    if paths[:1]:
        session.set_train_path(paths[0])
    if paths[1:2]:
        session.set_test_path(paths[1])
    panel.resize(520, 760)
    panel.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
