"""A model class's knob config read from its syntax tree, when it is plain enough to be sure.

Checking ``--knobs`` before a run is stored needs the class's knob config. Loading the file
in a child costs an interpreter and the model's imports (1-5 s with scikit-learn on a loaded
machine) before every ``rafiki run --knobs``; most model files write ``get_knob_config`` as
one literal dict of Rafiki's knobs, which the syntax tree tells exactly. Anything else (a
computed value, an inherited method, knob classes not imported from ``rafiki.model``) answers
None, and the caller loads the file as before.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from .model_file_statics import parse_source

if TYPE_CHECKING:
    from .model.knob import BaseKnob

KNOB_MODULES = ("rafiki.model", "rafiki.model.knob")
KNOB_NAMES = ("CategoricalKnob", "FixedKnob", "FloatKnob", "IntegerKnob")


def static_knob_config(model_file_path: str, model_class: str) -> dict[str, BaseKnob] | None:
    """The knob config ``model_class.get_knob_config()`` returns, or None when the syntax
    tree cannot tell it for sure."""
    try:
        tree = parse_source(Path(model_file_path).read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    knob_classes = _imported_knob_classes(tree)
    classes = [node for node in tree.body
               if isinstance(node, ast.ClassDef) and node.name == model_class]
    if len(classes) != 1 or not knob_classes:
        return None
    methods = [node for node in classes[0].body
               if isinstance(node, ast.FunctionDef) and node.name == "get_knob_config"]
    if len(methods) != 1:
        return None
    body = [statement for statement in methods[0].body if not _is_docstring(statement)]
    if len(body) != 1 or not isinstance(body[0], ast.Return) \
            or not isinstance(body[0].value, ast.Dict):
        return None
    config: dict[str, BaseKnob] = {}
    try:
        for key, value in zip(body[0].value.keys, body[0].value.values, strict=True):
            name = ast.literal_eval(key) if key is not None else None
            if not isinstance(name, str) or name in config:
                return None
            config[name] = _knob(value, knob_classes)
    except (ValueError, TypeError, SyntaxError, _NotStatic):
        return None
    return config


class _NotStatic(Exception):
    """The value needs running code to be known."""


def _knob(node: ast.expr, knob_classes: dict[str, type]) -> BaseKnob:
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) \
            or node.func.id not in knob_classes:
        raise _NotStatic
    if any(isinstance(arg, ast.Starred) for arg in node.args) \
            or any(keyword.arg is None for keyword in node.keywords):
        raise _NotStatic
    args = [ast.literal_eval(arg) for arg in node.args]
    kwargs = {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.keywords}
    return knob_classes[node.func.id](*args, **kwargs)


def _imported_knob_classes(tree: ast.Module) -> dict[str, type]:
    """Local name -> Rafiki knob class, for the top-level ``from rafiki.model import ...``;
    empty when any such name is also bound otherwise at the top level (not sure what it is)."""
    from .model import knob

    found: dict[str, type] = {}
    bound_otherwise: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in KNOB_MODULES and not node.level:
            for alias in node.names:
                if alias.name in KNOB_NAMES:
                    found[alias.asname or alias.name] = getattr(knob, alias.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bound_otherwise |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            bound_otherwise.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            bound_otherwise |= {n.id for t in targets for n in ast.walk(t)
                                if isinstance(n, ast.Name)}
    return {} if bound_otherwise & set(found) else found


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant) \
        and isinstance(statement.value.value, str)
