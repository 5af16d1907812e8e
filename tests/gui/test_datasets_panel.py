"""The datasets panel over a real Session: summaries read off the UI thread from the shared
real datasets, previews, names files, and files that are no dataset."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from rafiki_gui.panels.datasets_panel import DatasetsPanel

LOAD_TIMEOUT_MS = 60_000


@pytest.fixture
def panel(qtbot, session):
    made = DatasetsPanel(session)
    qtbot.addWidget(made)
    made.show()
    yield made
    qtbot.waitUntil(lambda: not made.is_loading(), timeout=LOAD_TIMEOUT_MS)


def wait_loaded(qtbot, panel):
    qtbot.waitUntil(lambda: not panel.is_loading(), timeout=LOAD_TIMEOUT_MS)


def test_digits_summary_preview_and_class_names(qtbot, session, panel, shared_dataset):
    session.set_train_path(str(shared_dataset("digits_train.zip")))
    session.set_test_path(str(shared_dataset("digits_test.zip")))
    assert "Reading" in panel.summary_text("train")
    wait_loaded(qtbot, panel)
    train = panel.summary_text("train")
    assert "1,437 images" in train and "10 classes" in train and "8×8 px" in train
    assert "No problems found" in train
    assert "360 images" in panel.summary_text("test")
    assert panel.path_edits["test"].text().endswith("digits_test.zip")
    captions = panel.image_grid.captions()
    assert len(captions) == 40 and set(captions) <= {str(i) for i in range(10)}
    assert panel.preview_stack.currentWidget() is panel.image_grid

    assert panel.set_label_names(str(shared_dataset("digits_meta.csv")))
    assert session.label_names[3] == "3"
    assert "10 names" in panel.names_label.text()


def test_corpus_summary_tag_names_and_sentence_preview(qtbot, session, panel, shared_dataset):
    session.set_train_path(str(shared_dataset("pos_ud_ewt_train.zip")))
    wait_loaded(qtbot, panel)
    text = panel.summary_text("train")
    assert "2,001 sentences" in text and "25,147 tokens" in text and "17 classes" in text
    # the names file beside the zip was picked, and says so
    assert session.label_names_path == str(shared_dataset("pos_ud_ewt_meta.tsv"))
    assert "17 names" in panel.names_label.text() and "beside the dataset" in \
        panel.names_label.text()
    assert "NOUN" in panel.summary_text("train") and "PROPN" in panel.summary_text("train")
    preview = panel.preview_text()
    assert panel.preview_stack.currentWidget() is panel.sentence_view
    assert "NOUN" in preview and "PUNCT" in preview

    panel.set_label_names("")
    assert session.label_names == {}
    assert "NOUN" not in panel.summary_text("train") and "NOUN" not in panel.preview_text()
    assert panel.names_offer_button.isVisibleTo(panel)
    assert panel.names_offer_button.text() == "Use pos_ud_ewt_meta.tsv (beside the dataset)"
    panel.names_offer_button.click()
    assert session.label_names[7] == "NOUN"
    assert not panel.names_offer_button.isVisibleTo(panel)


def test_a_file_that_is_not_a_zip_is_reported_in_place(qtbot, session, panel, tmp_path):
    bogus = tmp_path / "not_a_dataset.zip"
    bogus.write_text("just text")
    session.set_train_path(str(bogus))
    wait_loaded(qtbot, panel)
    text = panel.summary_text("train")
    assert str(bogus) in text and "not a zip archive" in text
    assert panel.preview_stack.currentWidget() is panel.preview_empty
    # the panel stays usable: a good file afterwards is read as usual
    assert session.train_path == str(bogus)


def test_an_unreadable_names_file_is_reported_and_the_old_names_stay(session, panel, tmp_path):
    good = tmp_path / "names.csv"
    good.write_text("class,name\n0,zero\n1,one\n")
    bad = tmp_path / "bad_names.csv"
    bad.write_text("class,name\nzero,0\n")
    assert panel.set_label_names(str(good))
    assert not panel.set_label_names(str(bad))
    assert str(bad) in panel.names_label.text() and "not an integer" in panel.names_label.text()
    assert session.label_names == {0: "zero", 1: "one"}


def test_a_zip_dropped_on_the_test_box_becomes_the_test_dataset(qtbot, session, panel,
                                                                shared_dataset):
    path = str(shared_dataset("digits_train.zip"))
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(path)])
    center = panel.groups["test"].geometry().center()
    event = QDropEvent(QPointF(QPoint(center)), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    panel.dropEvent(event)
    assert session.test_path == path and session.train_path == ""
    wait_loaded(qtbot, panel)
    assert "1,437 images" in panel.summary_text("test")
    # with no train dataset, the preview shows the test one
    assert panel.preview_stack.currentWidget() is panel.image_grid
