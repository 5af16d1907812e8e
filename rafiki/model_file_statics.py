"""What a model file's ``test_model_class(...)`` call says, read from its syntax tree.

Rafiki's model files end with a ``test_model_class`` call naming the task, the datasets, the
queries and the dependencies. Reading that call statically (never running the file) lets a
front end pre-fill its form the moment a file is chosen.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

from . import constants

# Rafiki's signature: test_model_class(model_file_path, model_class, task, dependencies,
#                                      train_dataset_uri, test_dataset_uri, queries, knobs)
_POSITIONAL = ("model_file_path", "model_class", "task", "dependencies", "train_dataset_uri",
               "test_dataset_uri", "queries", "knobs")
_WANTED = ("model_class", "task", "dependencies", "train_dataset_uri", "test_dataset_uri",
           "queries", "knobs")
_CONSTANT_CLASSES = {"TaskType": constants.TaskType, "ModelDependency": constants.ModelDependency,
                     "DatasetType": constants.DatasetType}


class _NotStatic(Exception):
    """The expression needs running code to be known."""


class _Evaluator:
    """Evaluates literals, Rafiki constants and os.path forms around ``__file__``."""

    def __init__(self, model_file_path: str):
        self.model_file = str(Path(model_file_path).resolve())

    def value(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name) and node.id == "__file__":
            return self.model_file
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            holder = _CONSTANT_CLASSES.get(node.value.id)
            if holder is not None and hasattr(holder, node.attr):
                return getattr(holder, node.attr)
        if isinstance(node, (ast.List, ast.Tuple)):
            return [self.value(item) for item in node.elts]
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                raise _NotStatic
            return {self.value(k): self.value(v) for k, v in zip(node.keys, node.values,
                                                                   strict=True)}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.value(node.operand)
        if isinstance(node, ast.Call):
            return self._path_call(node)
        raise _NotStatic

    def _path_call(self, node: ast.Call) -> str:
        name = ast.unparse(node.func)
        args = [self.value(arg) for arg in node.args]
        if node.keywords or not all(isinstance(a, str) for a in args):
            raise _NotStatic
        functions = {"os.path.join": os.path.join, "os.path.dirname": os.path.dirname,
                     "os.path.abspath": os.path.abspath, "os.path.realpath": os.path.realpath,
                     "os.path.normpath": os.path.normpath}
        if name not in functions or not args:
            raise _NotStatic
        return functions[name](*args)


def _resolve_dataset(uri: Any, model_dir: Path) -> Any:
    """A relative local path taken from the model's folder when the file is there."""
    if not isinstance(uri, str) or "://" in uri or Path(uri).is_absolute():
        return uri
    candidate = model_dir / uri
    return str(candidate.resolve()) if candidate.exists() else uri


def parse_source(source: str) -> ast.Module:
    """``ast.parse``, tried again on CPython 3.11's spurious "AST constructor recursion depth
    mismatch" SystemError (python/cpython#106905: its recursion counter is shared by threads
    that parse at once, as the window's reader threads do; seen in the GUI tests)."""
    for _ in range(2):
        try:
            return ast.parse(source)
        except SystemError:
            continue
    return ast.parse(source)


def read_statics(model_file_path: str) -> dict[str, Any]:
    """The statically known arguments of the file's ``test_model_class`` call ({} if none)."""
    try:
        source = Path(model_file_path).read_text(encoding="utf-8", errors="replace")
        tree = parse_source(source)
    except (OSError, SyntaxError, ValueError):
        return {}
    evaluator = _Evaluator(model_file_path)
    model_dir = Path(model_file_path).resolve().parent
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name != "test_model_class":
            continue
        arguments = dict(zip(_POSITIONAL, node.args, strict=False))
        arguments.update({k.arg: k.value for k in node.keywords if k.arg})
        statics: dict[str, Any] = {}
        for key in _WANTED:
            if key in arguments:
                try:
                    statics[key] = evaluator.value(arguments[key])
                except (_NotStatic, TypeError, ValueError):
                    continue
        for key in ("train_dataset_uri", "test_dataset_uri"):
            if key in statics:
                statics[key] = _resolve_dataset(statics[key], model_dir)
        if not isinstance(statics.get("dependencies", {}), dict):
            statics.pop("dependencies")
        return statics
    return {}
