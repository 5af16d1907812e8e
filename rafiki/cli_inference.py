"""What the command line can tell about a model file and datasets without running user code.

``rafiki run model.py`` should not need ``--class`` when the file has one model class, nor
``--task`` when the dataset says it; reading the file's syntax tree (not importing it) keeps
that instant and safe. The model's ``dependencies`` are read the same way from its
``test_model_class(...)`` call, so the run checks them as Rafiki's developers declared them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .model_file_statics import parse_source

BASE_MODEL = "BaseModel"


class InferenceError(ValueError):
    """The class or task cannot be told from the files; the message says what to pass."""


def _base_names(node: ast.ClassDef) -> list[str]:
    names = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def model_classes_declared(source: str) -> list[str]:
    """Top-level classes deriving (directly or through classes of the file) from BaseModel."""
    classes = {node.name: _base_names(node)
               for node in parse_source(source).body if isinstance(node, ast.ClassDef)}
    models: list[str] = []

    def is_model(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name in seen or name not in classes:
            return False
        return any(base == BASE_MODEL or is_model(base, seen | {name})
                   for base in classes[name])

    for name in classes:
        if is_model(name):
            models.append(name)
    return models


def infer_model_class(model_file_path: str) -> str:
    """The file's one model class; InferenceError when there are none or several."""
    source = Path(model_file_path).read_text(encoding="utf-8", errors="replace")
    try:
        models = model_classes_declared(source)
    except SyntaxError as exc:
        raise InferenceError(
            f"{model_file_path}: line {exc.lineno}: syntax error: {exc.msg}") from None
    if len(models) == 1:
        return models[0]
    if not models:
        raise InferenceError(f"{model_file_path}: no class extending BaseModel was found; "
                             f"name it with --class")
    raise InferenceError(f"{model_file_path}: several model classes ({', '.join(models)}); "
                         f"choose one with --class")


def check_model_source(model_file_path: str) -> None:
    """InferenceError naming the line when the file is not valid Python (bad input, as when
    the class is inferred from it)."""
    source = Path(model_file_path).read_text(encoding="utf-8", errors="replace")
    try:
        model_classes_declared(source)
    except SyntaxError as exc:
        raise InferenceError(
            f"{model_file_path}: line {exc.lineno}: syntax error: {exc.msg}") from None


def declared_dependencies(model_file_path: str) -> dict[str, str]:
    """The ``dependencies=`` of the file's ``test_model_class(...)`` call, or {} when absent
    or not a plain literal."""
    from .model_file_statics import read_statics

    value = read_statics(model_file_path).get("dependencies")
    if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    return {}


def infer_task(train_dataset_uri: str) -> str:
    """The task whose datasets look like the training dataset (a local zip)."""
    from .dataset_summary import detect_dataset_type
    from .paths import local_path_of
    from .tasks import task_for_dataset_type

    path = local_path_of(train_dataset_uri)
    if path is None:
        raise InferenceError(f"{train_dataset_uri}: a remote dataset's task cannot be told "
                             f"without downloading it; give --task")
    try:
        return task_for_dataset_type(detect_dataset_type(path))
    except ValueError as exc:
        raise InferenceError(f"cannot tell the task from the training dataset: {exc}") from None
