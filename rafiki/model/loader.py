"""Turn a model file's bytes into its class, each load in a module of its own.

Rafiki wrote the bytes to the working directory and imported them under a fixed name, so a
second, different file loaded in the same process returned the first file's class. Here every
load compiles the source under a fresh module name, and tracebacks still show the model's lines.
"""

from __future__ import annotations

import inspect
import linecache
import sys
import types
import uuid
from pathlib import Path

from .base_model import BaseModel, InvalidModelClassException


def load_model_module(
    model_file_bytes: bytes, temp_mod_name: str | None = None, file_path: str | None = None
) -> types.ModuleType:
    """Execute the model file's source as a new module and return it.

    ``file_path`` names the file in tracebacks; without it the source is registered in
    :mod:`linecache` under a pseudo file name so tracebacks still show its lines.
    """
    unique = uuid.uuid4().hex
    module_name = f"rafiki_model_{(temp_mod_name or 'model').replace('-', '_')}_{unique}"
    source = model_file_bytes.decode("utf-8") if isinstance(model_file_bytes, bytes) else str(
        model_file_bytes
    )
    if file_path is not None:
        filename = str(Path(file_path).resolve())
    else:
        filename = f"<rafiki-model {temp_mod_name or unique}>"
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    code = compile(source, filename, "exec")
    module = types.ModuleType(module_name)
    module.__file__ = filename
    sys.modules[module_name] = module  # so classes in it pickle and dataclasses resolve
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def model_classes_in(module: types.ModuleType) -> dict[str, type]:
    """The BaseModel subclasses defined in ``module`` itself (not those it imported)."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and issubclass(obj, BaseModel)
        and obj is not BaseModel
        and obj.__module__ == module.__name__
    }


def load_model_class(
    model_file_bytes: bytes,
    model_class: str,
    temp_mod_name: str | None = None,
    file_path: str | None = None,
) -> type:
    """Rafiki's ``load_model_class``: the class named ``model_class`` in the model file."""
    module = load_model_module(model_file_bytes, temp_mod_name or model_class, file_path)
    clazz = getattr(module, model_class, None)
    if clazz is None:
        found = sorted(model_classes_in(module))
        hint = f"; it defines {', '.join(found)}" if found else "; it defines no BaseModel class"
        raise InvalidModelClassException(f"The model file has no class '{model_class}'{hint}")
    return clazz
