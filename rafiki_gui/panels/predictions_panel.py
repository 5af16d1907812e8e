"""Predictions of the trained model: test samples, image files or typed sentences, answered by
the model kept loaded in a predict service child, shown as tables, charts and tagged text.

A view over the Session. When a run completes, its own predictions show at once: its queries
(the first test samples, with their true labels, unless another source was chosen) as the run
answered them, under a caption naming the run. More (the whole test set, chosen samples, image
files, a typed sentence) are asked of the trained model kept loaded in a
:class:`PredictionWorker`. ``show_trial`` loads any stored trial and predicts the whole test
set: accuracy, a confusion matrix or per-tag accuracy. Opening another model file or class
clears what belonged to the previous one. A model that fails to predict is reported in place
with its traceback, and the panel stays usable.

Run alone for a look: ``python -m rafiki_gui.panels.predictions_panel [MODEL.py TRAIN TEST
[NAMES]]`` (runs the model once, then shows its predictions).
"""

from __future__ import annotations

import html
import sys
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..charts import HIGHLIGHT_COLOR, TRUE_COLOR, WRONG_COLOR, BarChart, ConfusionMatrixChart
from ..error_view import ErrorView
from ..label_names import label_text, label_texts
from ..prediction_models import (
    ImagePredictionsModel,
    TokenPredictionsModel,
    confusion_matrix,
    per_class_accuracy,
    probabilities_array,
)
from ..prediction_queries import (
    IMAGE_SUFFIXES,
    dataset_image_shape,
    image_file_queries,
    image_test_queries,
    tagging_test_queries,
    typed_sentence_queries,
)
from ..prediction_worker import PredictionWorker, PreparedQueries, ServiceSpec
from ..run_caption import RunCaption
from ..session import Session

IMAGE_TASK = "IMAGE_CLASSIFICATION"
TAGGING_TASK = "POS_TAGGING"
AUTO_WHOLE_LIMIT = 20_000
"""Up to this many test samples, the whole test set is predicted on its own after a run."""
AUTO_RANDOM = 1000
THUMBNAIL = 32
SENTENCES_SHOWN = 150
CLOSE_TIMEOUT = 8.0
CHECKED_PREDICTIONS = 200


class PredictionsPanel(QWidget):
    """Image classification or POS tagging predictions of the last run or a chosen trial."""

    sig_predictions_shown = Signal(int)
    """New predictions are in the table: (how many queries)."""
    sig_service_ready = Signal()
    """The model is loaded in its predict service and answers requests."""

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.spec: ServiceSpec | None = None
        self.task: str | None = None
        self.worker: PredictionWorker | None = None
        self._retiring: set[PredictionWorker] = set()
        self._auto_pending = False
        self._watched_window: QWidget | None = None
        self._latest_request = 0
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        self.caption = RunCaption(session)
        layout.addWidget(self.caption)
        header = QHBoxLayout()
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(180)
        self.progress.hide()
        header.addWidget(self.status_label, 1)
        header.addWidget(self.progress)
        layout.addLayout(header)
        self.error_view = ErrorView()
        layout.addWidget(self.error_view)
        self.pages = QStackedWidget()
        self.empty_page = QLabel("Run the model (Ctrl+R) to see its predictions here.")
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_page.setWordWrap(True)
        self.pages.addWidget(self.empty_page)
        self.pages.addWidget(self._build_image_page())
        self.pages.addWidget(self._build_tagging_page())
        layout.addWidget(self.pages, 1)
        self._set_status("No trained model yet.")
        self._enable_actions(False)

        session.sig_run_started.connect(self._on_run_started)
        session.sig_run_finished.connect(self._on_run_finished)
        session.sig_label_names_changed.connect(self._relabel)
        session.sig_run_archived.connect(lambda reason: self.forget_model(reason))
        session.sig_model_changed.connect(lambda _path: self._forget_model_not_open())
        session.sig_model_class_changed.connect(lambda _name: self._forget_model_not_open())
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        if session.is_running:  # built while a run goes (the tab opened mid-run)
            self._on_run_started()

    # -- building -----------------------------------------------------------------------

    def _table(self, model, row_height: int) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setSortingEnabled(True)
        table.setWordWrap(False)
        table.setAlternatingRowColors(True)
        table.verticalHeader().hide()
        # fixed row heights: the view never measures rows, so 10,000 of them cost nothing
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(row_height)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        return table

    def _build_image_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Test samples"))
        self.image_indices = QLineEdit()
        self.image_indices.setPlaceholderText("e.g. 0-9, 42")
        self.image_indices.setMaximumWidth(140)
        self.image_indices.returnPressed.connect(self.predict_chosen_samples)
        self.image_chosen_button = QPushButton("Predict")
        self.image_chosen_button.clicked.connect(self.predict_chosen_samples)
        self.image_random_count = QSpinBox()
        self.image_random_count.setRange(1, 1_000_000)
        self.image_random_count.setValue(100)
        self.image_random_button = QPushButton("Random")
        self.image_random_button.clicked.connect(lambda: self.predict_random_samples())
        self.image_files_button = QPushButton("Image files…")
        self.image_files_button.setToolTip("Predict image files (or drop them here); they are "
                                           "made grayscale and resized to the dataset's size")
        self.image_files_button.clicked.connect(self.ask_image_files)
        self.image_whole_button = QPushButton("Whole test set")
        self.image_whole_button.clicked.connect(lambda: self.predict_whole_test_set())
        for widget in (self.image_indices, self.image_chosen_button, self.image_random_count,
                       self.image_random_button, self.image_files_button,
                       self.image_whole_button):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.image_only_wrong = QCheckBox("Only misclassified")
        self.image_only_wrong.toggled.connect(self._filter_images)
        self.image_accuracy = QLabel()
        self.cell_filter_button = QPushButton()
        self.cell_filter_button.setToolTip("Showing one confusion matrix cell: click to show "
                                           "every prediction again")
        self.cell_filter_button.clicked.connect(lambda: self.filter_cell(None))
        self.cell_filter_button.hide()
        self.normalize_check = QCheckBox("Normalise rows")
        self.normalize_check.setToolTip("Colour and number each confusion matrix cell by its "
                                        "share of the true class")
        row.addWidget(self.image_only_wrong)
        row.addWidget(self.image_accuracy, 1)
        row.addWidget(self.cell_filter_button)
        row.addWidget(self.normalize_check)
        layout.addLayout(row)

        self.image_model = ImagePredictionsModel(self, thumbnail_size=THUMBNAIL)
        self.image_table = self._table(self.image_model, THUMBNAIL + 4)
        self.image_table.setColumnWidth(ImagePredictionsModel.SOURCE, 110)
        self.image_table.setColumnWidth(ImagePredictionsModel.IMAGE, THUMBNAIL + 24)
        self.image_table.selectionModel().currentRowChanged.connect(self._show_probabilities)
        self.probability_chart = BarChart("Class probabilities", "probability")
        self.confusion_chart = ConfusionMatrixChart()
        self.confusion_chart.sig_cell_clicked.connect(lambda t, p: self.filter_cell((t, p)))
        self.normalize_check.toggled.connect(self.confusion_chart.set_normalized)
        charts = QSplitter(Qt.Orientation.Vertical)
        charts.addWidget(self.probability_chart)
        charts.addWidget(self.confusion_chart)
        # the square matrix gets most of the height (it was ~140 px of a 600 px pane)
        charts.setStretchFactor(0, 1)
        charts.setStretchFactor(1, 2)
        charts.setSizes([200, 400])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.image_table)
        split.addWidget(charts)
        split.setSizes([380, 420])
        layout.addWidget(split, 1)
        self.image_page = page
        return page

    def _build_tagging_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.sentence_edit = QLineEdit()
        self.sentence_edit.setPlaceholderText("Type a sentence and press Enter")
        self.sentence_edit.returnPressed.connect(self.predict_typed_sentence)
        self.sentence_button = QPushButton("Tag")
        self.sentence_button.clicked.connect(self.predict_typed_sentence)
        row.addWidget(self.sentence_edit, 1)
        row.addWidget(self.sentence_button)
        layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Test sentences"))
        self.sentence_indices = QLineEdit()
        self.sentence_indices.setPlaceholderText("e.g. 0-9, 42")
        self.sentence_indices.setMaximumWidth(140)
        self.sentence_indices.returnPressed.connect(self.predict_chosen_samples)
        self.sentence_chosen_button = QPushButton("Predict")
        self.sentence_chosen_button.clicked.connect(self.predict_chosen_samples)
        self.sentence_random_count = QSpinBox()
        self.sentence_random_count.setRange(1, 1_000_000)
        self.sentence_random_count.setValue(20)
        self.sentence_random_button = QPushButton("Random")
        self.sentence_random_button.clicked.connect(lambda: self.predict_random_samples())
        self.sentence_whole_button = QPushButton("Whole test set")
        self.sentence_whole_button.clicked.connect(lambda: self.predict_whole_test_set())
        self.sentence_only_wrong = QCheckBox("Only differences")
        self.sentence_only_wrong.toggled.connect(self._filter_tokens)
        for widget in (self.sentence_indices, self.sentence_chosen_button,
                       self.sentence_random_count, self.sentence_random_button,
                       self.sentence_whole_button, self.sentence_only_wrong):
            row.addWidget(widget)
        row.addStretch(1)
        layout.addLayout(row)
        self.tagging_accuracy = QLabel()
        layout.addWidget(self.tagging_accuracy)

        self.tagged_view = QTextBrowser()
        self.token_model = TokenPredictionsModel(self)
        self.token_table = self._table(self.token_model, 22)
        self.tag_accuracy_chart = BarChart("Accuracy per gold tag", "accuracy", horizontal=True)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.tagged_view)
        left.addWidget(self.token_table)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tag_accuracy_chart)
        split.setSizes([460, 340])
        layout.addWidget(split, 1)
        self.tagging_page = page
        return page

    def _enable_actions(self, enabled: bool) -> None:
        for widget in (self.image_chosen_button, self.image_random_button,
                       self.image_files_button, self.image_whole_button, self.sentence_button,
                       self.sentence_chosen_button, self.sentence_random_button,
                       self.sentence_whole_button):
            widget.setEnabled(enabled)

    # -- which model --------------------------------------------------------------------

    def _on_run_started(self) -> None:
        self._set_status("A run is going; its model's predictions come when it completes.")

    def _on_run_finished(self, outcome: Any) -> None:
        state = getattr(getattr(outcome, "state", None), "name", str(getattr(outcome, "state",
                                                                             "")))
        result = getattr(outcome, "result", None) or {}
        spec = self.session.last_spec
        if state != "COMPLETED" or spec is None:
            self.forget_model()
            self._set_status(f"The run ended {state.lower()}: no trained model to ask.")
            return
        if not result.get("params_path") or not result.get("params_sha256"):
            self.forget_model()
            self._set_status("The run kept no parameters file, so its model cannot be asked "
                             "for more predictions.")
            return
        samples = self.session.last_test_samples
        queries = list(getattr(spec, "queries", None) or
                       (samples.queries if samples is not None else []))
        predictions = list(result.get("predictions") or [])
        self._use_model(ServiceSpec(
            model_file_path=spec.model_file_path, model_class=spec.model_class, task=spec.task,
            knobs=dict(result.get("knobs") or spec.knobs or {}),
            params_path=result["params_path"], params_sha256=result["params_sha256"],
            app_mode=getattr(spec, "app_mode", "DEV"), python=getattr(spec, "python", None)),
            origin="the last run", predict_test_set=not (queries and predictions))
        self._show_run_predictions(queries, predictions)

    def show_trial(self, model_file_path: str, model_class: str, task: str, knobs: dict,
                   params_path: str, params_sha256: str, label: str = "") -> None:
        """Ask a stored trial's model: its parameters are loaded into a predict service (after
        their sha256 is checked) and the whole test set is predicted. ``label`` names the trial
        ("trial 3 of experiment …") in the caption."""
        spec = ServiceSpec(model_file_path, model_class, task, dict(knobs or {}), params_path,
                           params_sha256, app_mode=self.session.app_mode)
        self._use_model(spec, origin="a stored trial")
        self.caption.show_other(f"Stored {label or 'trial'} · {spec.describe()}")

    def forget_model(self, reason: str = "") -> None:
        """Show no model's predictions (the run they came from belongs to another model now,
        or failed); its predict service ends in the background."""
        self._retire_worker()
        self.spec, self.task = None, None
        self._auto_pending = False
        self.error_view.clear()
        self.progress.hide()
        self.image_model.pair = None
        self.cell_filter_button.hide()
        self.image_model.set_results(np.zeros((0, 1, 1), dtype=np.uint8), np.zeros((0, 0)))
        self.token_model.set_results([], [], None)
        self.tagged_view.clear()
        self.image_accuracy.clear()
        self.tagging_accuracy.clear()
        self.probability_chart.clear_bars()
        self.confusion_chart.clear_matrix()
        self.tag_accuracy_chart.clear_bars()
        self.empty_page.setText("Run the model (Ctrl+R) to see its predictions here.")
        self.pages.setCurrentWidget(self.empty_page)
        self._enable_actions(False)
        self._set_status(f"No trained model: {reason}." if reason else "No trained model yet.")

    def _forget_model_not_open(self) -> None:
        """A stored trial's model shown here leaves once the window opens another one."""
        spec, session = self.spec, self.session
        if spec is None or session.last_run is not None and \
                spec.params_path == session.last_params_path:
            return  # the last run's: the session archives it (sig_run_archived)
        if not session.is_open_model(spec.model_file_path, spec.model_class):
            self.forget_model("another model is open")
            self.caption.show_other(f"Predictions of a stored trial ({spec.describe()}) "
                                    "cleared: another model is open.")

    def _use_model(self, spec: ServiceSpec, origin: str, predict_test_set: bool = True) -> None:
        self._retire_worker()
        self.spec, self.task = spec, spec.task
        self.error_view.clear()
        page = {IMAGE_TASK: self.image_page, TAGGING_TASK: self.tagging_page}.get(spec.task)
        if page is None:
            self.pages.setCurrentWidget(self.empty_page)
            self.empty_page.setText(f"Predictions of task {spec.task!r} cannot be shown here "
                                    f"(only {IMAGE_TASK} and {TAGGING_TASK}).")
            self._set_status(f"{spec.describe()} from {origin}.")
            return
        self.pages.setCurrentWidget(page)
        self._enable_actions(True)
        self._set_status(f"{spec.describe()} from {origin}; its model is loaded when "
                         "predictions are asked for.")
        self._auto_pending = predict_test_set
        if predict_test_set and self.isVisible():
            self._predict_automatically()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._watch_window()
        if self._auto_pending:
            self._predict_automatically()

    def _predict_automatically(self) -> None:
        """The whole test set (or a random part of a big one) once per model, when on screen."""
        self._auto_pending = False
        if not self.session.test_path:
            self._ensure_worker()
            return
        self.predict_whole_test_set(auto=True)

    # -- the worker ---------------------------------------------------------------------

    def _ensure_worker(self) -> PredictionWorker | None:
        if self.spec is None:
            self._show_error("No trained model", "Run the model first, or open a stored trial.")
            return None
        if self.worker is None:
            worker = PredictionWorker(self.spec)
            worker.sig_ready.connect(self._on_ready)
            worker.sig_progress.connect(self._on_progress)
            worker.sig_answered.connect(self._on_returned)
            worker.sig_request_failed.connect(self._on_errored)
            worker.sig_errored.connect(self._on_service_failed)
            worker.sig_finished.connect(partial(self._on_worker_finished, worker))
            self.worker = worker
            self._set_status(f"Loading {self.spec.describe()} in its predict service…")
            self._watch_window()
            worker.start()
        return self.worker

    def _on_worker_finished(self, worker: PredictionWorker) -> None:
        if worker is self.worker:
            self.worker = None
        self._retiring.discard(worker)  # the worker deletes itself with its thread

    def _retire_worker(self) -> None:
        """The previous model's service ends in the background."""
        worker, self.worker = self.worker, None
        if worker is not None:
            self._retiring.add(worker)
            worker.request_close()

    def shutdown(self) -> None:
        """End every predict service and its thread (the window is closing)."""
        self._retire_worker()
        for worker in list(self._retiring):
            worker.close(CLOSE_TIMEOUT)

    def is_busy(self) -> bool:
        """True while a request is being answered (or the model is loading)."""
        return self.progress.isVisible()

    def _submit(self, build, busy_text: str) -> None:
        worker = self._ensure_worker()
        if worker is None:
            return
        self.error_view.clear()
        self._latest_request = worker.submit(build)
        self.progress.setRange(0, 0)
        self.progress.show()
        self._set_status(busy_text)

    def _on_ready(self) -> None:
        if self.spec is not None:
            if not self.progress.isVisible():
                self._set_status(f"{self.spec.describe()} is loaded and ready.")
        self.sig_service_ready.emit()

    def _on_progress(self, progress: tuple[int, int, int]) -> None:
        request_id, done, total = progress
        if request_id == self._latest_request:
            self.progress.setRange(0, max(total, 1))
            self.progress.setValue(done)

    def _on_service_failed(self, error: dict) -> None:
        """The predict service could not start (the model did not load)."""
        if self.sender() is self.worker:
            self._show_failure(error)

    def _on_errored(self, request_id: int, error: dict) -> None:
        if self.sender() is self.worker:  # else a retired model's late answer
            self._show_failure(error)

    def _show_failure(self, error: dict) -> None:
        self.progress.hide()
        stage = error.get("stage")
        headline = {"load": "The model could not be loaded for predictions",
                    "queries": "The queries could not be made",
                    "predict": "The model failed to predict"}.get(stage, "Prediction failed")
        self._show_error(f"{headline}: {error.get('type')}: {error.get('message')}",
                         error.get("traceback", "") if stage != "queries" else "")

    def _show_error(self, headline: str, details: str = "") -> None:
        self.progress.hide()
        self.error_view.show_problem(headline, details)
        self._set_status(headline.split(":", 1)[0] + ".")

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    # -- asking -------------------------------------------------------------------------

    def _test_path_for_task(self) -> str | None:
        path = self.session.test_path
        if not path:
            self._show_error("No test dataset", "Choose a test dataset in the Datasets tab.")
            return None
        return path

    def predict_whole_test_set(self, auto: bool = False) -> None:
        path = self._test_path_for_task()
        if path is None:
            return
        builder = image_test_queries if self.task == IMAGE_TASK else tagging_test_queries
        selection = None
        if auto:
            size = _dataset_size(path)
            if size is not None and size > AUTO_WHOLE_LIMIT:
                selection = AUTO_RANDOM
        self._submit(partial(builder, path, selection, 0),
                     "Predicting the test set…" if selection is None else
                     f"Predicting {AUTO_RANDOM} random test samples…")

    def predict_random_samples(self, count: int | None = None, seed: int | None = None) -> None:
        path = self._test_path_for_task()
        if path is None:
            return
        if self.task == IMAGE_TASK:
            count = count or self.image_random_count.value()
            builder = image_test_queries
        else:
            count = count or self.sentence_random_count.value()
            builder = tagging_test_queries
        self._submit(partial(builder, path, int(count), seed),
                     f"Predicting {count} random test samples…")

    def predict_chosen_samples(self, text: str | None = None) -> None:
        path = self._test_path_for_task()
        if path is None:
            return
        if self.task == IMAGE_TASK:
            text = self.image_indices.text() if text is None else text
            builder = image_test_queries
        else:
            text = self.sentence_indices.text() if text is None else text
            builder = tagging_test_queries
        self._submit(partial(builder, path, text, None), "Predicting the chosen test samples…")

    def ask_image_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Images to predict", "",
            "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")")
        if paths:
            self.predict_image_files(paths)

    def predict_image_files(self, paths: list[str]) -> None:
        """Predict image files: grayscale, resized to the test (or train) dataset's size."""
        datasets = (self.session.test_path, self.session.train_path)

        def build() -> PreparedQueries:
            return image_file_queries(paths, dataset_image_shape(*datasets))

        self._submit(build, f"Predicting {len(paths)} image files…")

    def predict_typed_sentence(self, text: str | None = None) -> None:
        text = self.sentence_edit.text() if text is None else text
        if text is not None:
            self.sentence_edit.setText(text)
        self._submit(partial(typed_sentence_queries, text), "Tagging the sentence…")

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if self.task == IMAGE_TASK and _dropped_images(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = _dropped_images(event)
        if paths and self.task == IMAGE_TASK:
            self.predict_image_files(paths)
            event.acceptProposedAction()

    # -- showing ------------------------------------------------------------------------

    def _on_returned(self, request_id: int, prepared: PreparedQueries,
                     predictions: list) -> None:
        if self.sender() is not self.worker:
            return
        if request_id == self._latest_request:
            self.progress.hide()
        info = prepared.info
        problem = _prediction_problem(self.task, prepared.queries, predictions)
        if problem:
            self._show_error(f"The model's predictions cannot be shown: {problem}")
            return
        if info.get("kind") == "image":
            self.show_image_predictions(info["images"], predictions, info.get("true"),
                                        info.get("sources"), info.get("indices"), info["what"])
        else:
            self.show_tagging_predictions(prepared.queries, predictions, info.get("gold"),
                                          info["what"])

    def _show_run_predictions(self, queries: list, predictions: list) -> None:
        """The run's own predictions of its queries show right away; test samples with their
        true labels, so the run's accuracy on them shows too."""
        if not queries or len(queries) != len(predictions):
            return
        samples = self.session.last_test_samples
        if samples is not None and len(samples.queries) != len(queries):
            samples = None
        run = self.session.last_run
        what = f"the run's {run.queries_text()}" if run is not None else "the run's queries"
        labels = samples.labels if samples is not None else None
        try:
            if self.task == IMAGE_TASK:
                images = [np.asarray(q, dtype=np.uint8) for q in queries]
                shapes = {image.shape for image in images}
                self.show_image_predictions(
                    np.stack(images) if len(shapes) == 1 else images, predictions, labels,
                    None if labels is not None else [f"query {i}" for i in range(len(images))],
                    np.arange(len(images)) if labels is not None else None, what)
            elif self.task == TAGGING_TASK:
                self.show_tagging_predictions([list(map(str, q)) for q in queries],
                                              predictions, labels, what)
        except (ValueError, TypeError) as exc:  # odd queries: leave them to the run panel
            self._set_status(f"The run's predictions cannot be shown: {exc}")

    def show_image_predictions(self, images, predictions: list, true=None, sources=None,
                               indices=None, what: str = "") -> None:
        """Fill the table (model reset, no per-row work) and the charts."""
        probabilities = probabilities_array(predictions)
        if sources is None and indices is not None:
            numbers = np.asarray(indices)
            sources = lambda row: f"test #{numbers[row]}"  # noqa: E731 (cheap per visible row)
        self.image_model.set_label_names(self.session.label_names)
        self.image_model.pair = None  # a cell of the last matrix means nothing for new ones
        self.cell_filter_button.hide()
        self.image_model.set_results(images, probabilities, true, sources)
        self.pages.setCurrentWidget(self.image_page)
        accuracy = self.image_model.accuracy()
        classes = probabilities.shape[1] if probabilities.ndim == 2 else 0
        if accuracy is not None:
            true_array = np.asarray(true, dtype=np.int64)
            classes = max(classes, int(true_array.max()) + 1)
            self.image_accuracy.setText(f"Accuracy on {what}: <b>{accuracy:.1%}</b> "
                                        f"({int(self.image_model._mismatched().sum())} "
                                        f"misclassified)")
            self.confusion_chart.set_matrix(
                confusion_matrix(true_array, self.image_model.predicted, classes),
                label_texts(classes, self.session.label_names))
        else:
            self.image_accuracy.setText(f"Predictions for {what} (true labels unknown).")
            self.confusion_chart.clear_matrix()
        self._set_status(f"{len(probabilities):,} predictions of "
                         f"{self.spec.describe() if self.spec else 'the model'} for {what}.")
        if self.image_model.rowCount():
            self.image_table.selectRow(0)
        else:
            self.probability_chart.clear_bars()
        self.sig_predictions_shown.emit(len(probabilities))

    def _show_probabilities(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.probability_chart.clear_bars()
            return
        model = self.image_model
        sample = model.sample_at(current.row())
        probabilities = model.probabilities[sample]
        predicted, true = int(model.predicted[sample]), int(model.true[sample])
        colors = {predicted: HIGHLIGHT_COLOR if true in (-1, predicted) else WRONG_COLOR}
        if true >= 0 and true != predicted:
            colors[true] = TRUE_COLOR
        self.probability_chart.set_bars(probabilities,
                                        label_texts(len(probabilities), self.session.label_names),
                                        colors)
        title = f"Class probabilities of {model.source_of(sample)}"
        if true >= 0:
            title += f" (true: {label_text(true, self.session.label_names)})"
        self.probability_chart.plotItem.setTitle(html.escape(title))

    def show_tagging_predictions(self, sentences: list[list[str]], predictions: list,
                                 gold: list | None = None, what: str = "") -> None:
        self.token_model.set_label_names(self.session.label_names)
        self.token_model.set_results(sentences, predictions, gold)
        self.pages.setCurrentWidget(self.tagging_page)
        self.tagged_view.setHtml(self._tagged_html())
        accuracy = self.token_model.accuracy()
        if accuracy is not None:
            gold_flat, predicted = self.token_model.gold, self.token_model.predicted
            tags = max(int(gold_flat.max()), int(predicted.max()), -1) + 1
            tags = max(tags, len(self.session.label_names))
            per_tag, counts = per_class_accuracy(gold_flat, predicted, tags)
            self.tag_accuracy_chart.set_bars(per_tag, label_texts(tags, self.session.label_names),
                                             y_range="data", counts=counts)
            self.tag_accuracy_chart.show()
            self.tagging_accuracy.setText(
                f"Token accuracy on {what}: <b>{accuracy:.1%}</b> "
                f"({self.token_model.mismatch_count():,} of {len(gold_flat):,} tokens differ "
                f"from the gold tags, marked ✗)")
        else:
            self.tag_accuracy_chart.clear_bars()
            self.tag_accuracy_chart.hide()  # no gold tags: an empty chart would only puzzle
            self.tagging_accuracy.setText(f"Tags predicted for {what} (no gold tags).")
        count = f"{len(sentences):,} sentence" + ("" if len(sentences) == 1 else "s")
        self._set_status(f"Tags of {count} by "
                         f"{self.spec.describe() if self.spec else 'the model'} for {what}.")
        self.sig_predictions_shown.emit(len(sentences))

    def _tagged_html(self) -> str:
        """The first sentences as tokens with their predicted tag under each; a tag that
        differs from the gold one is red, with the gold tag beside it."""
        model, names = self.token_model, self.session.label_names
        paragraphs = []
        starts = model.sentence_starts
        for index in range(min(len(model.sentences), SENTENCES_SHOWN)):
            words = []
            for token in range(int(starts[index]), int(starts[index + 1])):
                predicted, gold = int(model.predicted[token]), int(model.gold[token])
                word = html.escape(model.tokens[token])
                tag = html.escape(label_text(predicted, names))
                if gold >= 0 and gold != predicted:
                    gold_tag = html.escape(label_text(gold, names))
                    words.append(f"<span style='background:#ffcdd2'>{word}<sub style="
                                 f"'color:#c62828'>{tag}≠{gold_tag}</sub></span>")
                else:
                    words.append(f"{word}<sub style='color:#1565c0'>{tag}</sub>")
            paragraphs.append(f"<p style='margin:3px 0'>{' '.join(words)}</p>")
        more = len(model.sentences) - SENTENCES_SHOWN
        if more > 0:
            paragraphs.append(f"<p><i>… and {more:,} more sentences in the table below.</i></p>")
        return "".join(paragraphs)

    def tagged_text(self) -> str:
        """The tagged sentences as the user reads them (plain text)."""
        return self.tagged_view.toPlainText()

    def prediction_count(self) -> int:
        """How many queries' predictions are shown now."""
        if self.pages.currentWidget() is self.image_page:
            return len(self.image_model.predicted)
        if self.pages.currentWidget() is self.tagging_page:
            return len(self.token_model.sentences)
        return 0

    def filter_cell(self, pair: tuple[int, int] | None) -> None:
        """Show only the image predictions of one confusion matrix cell (true, predicted),
        or all of them again (None)."""
        self.image_model.set_pair(pair)
        if pair is None:
            self.cell_filter_button.hide()
        else:
            names = self.session.label_names
            self.cell_filter_button.setText(
                f"true {label_text(pair[0], names)} → predicted {label_text(pair[1], names)}"
                f" ({self.image_model.rowCount():,}) ✕")
            self.cell_filter_button.show()
        if self.image_model.rowCount():
            self.image_table.selectRow(0)

    def _filter_images(self, only: bool) -> None:
        self.image_model.set_only_mismatched(only)
        if self.image_model.rowCount():
            self.image_table.selectRow(0)

    def _filter_tokens(self, only: bool) -> None:
        self.token_model.set_only_mismatched(only)

    def _relabel(self) -> None:
        """Names changed: every label shown takes them."""
        names = self.session.label_names
        self.image_model.set_label_names(names)
        self.token_model.set_label_names(names)
        counts = self.confusion_chart.counts
        if len(counts):
            self.confusion_chart.set_matrix(counts, label_texts(len(counts), names))
        if len(self.probability_chart.labels):
            self._show_probabilities(self.image_table.currentIndex(), QModelIndex())
        if len(self.tag_accuracy_chart.labels):
            self.tag_accuracy_chart.set_bars(self.tag_accuracy_chart.values,
                                             label_texts(len(self.tag_accuracy_chart.values),
                                                         names),
                                             y_range="data", counts=self.tag_accuracy_chart.counts)
        if self.token_model.sentences:
            self.tagged_view.setHtml(self._tagged_html())

    # -- the window closing -------------------------------------------------------------

    def _watch_window(self) -> None:
        """End the predict service when the window holding this panel closes."""
        window = self.window()
        if window is not self and window is not self._watched_window:
            if self._watched_window is not None:
                self._watched_window.removeEventFilter(self)
            window.installEventFilter(self)
            self._watched_window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        if watched is self._watched_window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)


def _prediction_problem(task: str | None, queries: list, predictions: list) -> str | None:
    """What is wrong with a model's answer for this task (None when it can be shown). Checked
    with the task's own rules on the first predictions; the lifecycle checks a run's, but the
    predict service hands back whatever the model returns."""
    if len(predictions) != len(queries):
        return f"{len(predictions)} predictions for {len(queries)} queries"
    from rafiki.tasks import TASKS

    spec = TASKS.get(task) if task else None
    if spec is None:
        return None
    for index in range(min(len(predictions), CHECKED_PREDICTIONS)):
        problem = spec.check_prediction(predictions[index], queries[index])
        if problem:
            return (f"prediction {index} {problem} (expected {spec.prediction_format})")
    return None


def _dataset_size(path: str) -> int | None:
    """Samples in a dataset, cheaply when possible (None if it cannot be told)."""
    try:
        from rafiki.dataset_summary import summarize_dataset

        return summarize_dataset(path).size
    except Exception:  # the request itself will report the problem
        return None


def _dropped_images(event) -> list[str]:
    data = event.mimeData()
    if not data.hasUrls():
        return []
    return [url.toLocalFile() for url in data.urls()
            if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES]


def main(argv: list[str]) -> int:
    """Show the panel alone (a WidgetPreview): run a model once, then ask it."""
    from PySide6.QtWidgets import QApplication

    from rafiki.runner import inspect_model_file

    from ..resources import EXAMPLE_MODEL, resource_path

    app = QApplication.instance() or QApplication(argv[:1])
    args = argv[1:]
    datasets = resource_path("datasets")
    model = args[0] if args else str(resource_path(*EXAMPLE_MODEL))
    train = args[1] if args[1:] else str(datasets / "image_train.zip")
    test = args[2] if args[2:] else str(datasets / "image_test.zip")
    names = args[3] if args[3:] else (str(datasets / "image_meta.csv") if not args else "")
    session = Session()
    session.set_model_path(model)
    session.set_inspection(inspect_model_file(model))
    session.set_train_path(train)
    session.set_test_path(test)
    if names:
        session.set_label_names_path(names)
    panel = PredictionsPanel(session)
    panel.resize(980, 640)
    panel.show()
    session.start_run()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
