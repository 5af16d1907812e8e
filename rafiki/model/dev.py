"""``test_model_class``: Rafiki's console check of a model file, over the shared lifecycle.

It prints what Rafiki printed (a header per step, the knobs, the score, the predictions) and
returns the trained model reloaded from its parameters. Unlike Rafiki it installs nothing: a
missing dependency fails with the pip command to run, or with pip's word that it cannot be
installed. Colours only on a terminal (see :mod:`rafiki.console_colors`).
"""

from __future__ import annotations

import reprlib
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ..console_colors import palette_for
from ..events import is_stop
from ..query_sample import DEFAULT_QUERY_COUNT, SOURCE_TEST_SAMPLE, queries_given
from .base_model import BaseModel

_HEADERS = {
    "check_dependencies": "Checking model dependencies...",
    "load_class": "Checking loading of model & model definition...",
    "check_knob_config": "Checking model knob configuration...",
    "choose_knobs": "Checking model initialization...",
    "train": "Checking training & evaluation of model...",
    "dump_parameters": "Checking dumping of parameters of model...",
    "destroy": "Checking loading of parameters of model...",
    "predict": "Checking predictions with model...",
}


_short = reprlib.Repr()
_short.maxlist = 10
_short.maxlevel = 3
_short.maxstring = 60
_short.maxother = 60


def _print_header(msg: str, out: TextIO) -> None:
    print("-" * (len(msg) + 4), file=out)
    print(f"| {msg} |", file=out)
    print("-" * (len(msg) + 4), file=out)


class _ConsoleReport:
    """A lifecycle sink that prints Rafiki-like progress to ``out``."""

    def __init__(self, queries: list | None, test_dataset_uri: str, dependencies: dict,
                 out: TextIO):
        self._queries = queries
        self._test_dataset_uri = test_dataset_uri
        self._dependencies = dependencies
        self._out = out
        self._colors = palette_for(out)  # colour codes only for a terminal

    def __call__(self, event: dict) -> None:
        out = self._out
        kind = event.get("kind")
        if kind == "message":
            color = self._colors.yellow if event["msg"].startswith("WARNING") \
                else self._colors.blue
            print(f"{color}{event['msg']}{self._colors.end}", file=out)
            return
        if kind != "stage":
            return
        stage, state, info = event["stage"], event["state"], event.get("info", {})
        if state == "started":
            if stage in _HEADERS:
                _print_header(_HEADERS[stage], out)
            if stage == "check_dependencies":
                self._print_dependencies()
            if stage == "predict" and queries_given(self._queries):
                print(f"Using queries: {_short.repr(self._queries)}", file=out)
            return
        sampled = info.get("queries", {}).get("source") == SOURCE_TEST_SAMPLE
        if stage == "predict" and sampled:  # known once the stage has taken them
            count = info["queries"]["count"]
            print(f"Using queries: the first {count} sample(s) of the test dataset "
                  f"{self._test_dataset_uri}", file=out)
        if state == "finished":
            if stage == "choose_knobs":
                print(f"Using knobs: {info.get('knobs')}", file=out)
            elif stage == "evaluate":
                print(f"Score: {info.get('score')}", file=out)
        elif state == "failed" and is_stop(event.get("error")):  # Ctrl-C: neutral
            print(f"Stage '{stage}' stopped", file=out)
        elif state == "failed":
            error = event.get("error") or {}
            print(f"{self._colors.red}Stage '{stage}' failed: {error.get('type')}: "
                  f"{error.get('message')}{self._colors.end}", file=out)

    def _print_dependencies(self) -> None:
        from ..dependencies import check_dependencies_shape, requirement_of

        try:
            dependencies = check_dependencies_shape(self._dependencies)
        except TypeError:
            return  # the stage itself fails and says why
        if dependencies:
            wanted = ", ".join(requirement_of(name, version)
                               for name, version in dependencies.items())
            # the install command, checked against what pip can install, comes with a failure
            print(f"{self._colors.blue}Dependencies are checked, not installed: {wanted}"
                  f"{self._colors.end}",
                  file=self._out)


def test_model_class(
    model_file_path: str,
    model_class: str,
    task: str,
    dependencies: dict[str, str],
    train_dataset_uri: str,
    test_dataset_uri: str,
    queries: list | None = None,
    knobs: dict[str, Any] | None = None,
    *,
    queries_from_test: int = DEFAULT_QUERY_COUNT,
    enable_gpu: bool = False,
    seed: int | None = None,
    out: TextIO | None = None,
    on_event: Callable[[dict], None] | None = None,
) -> BaseModel:
    """Test a model class by running its full train-inference flow, as Rafiki would.

    The stages run in Rafiki's order (see :mod:`rafiki.lifecycle`); knobs come from the
    advisor when not given. ``queries`` are predicted as given; when None or empty, the first
    ``queries_from_test`` samples of the test dataset are (``predict([])`` is never called).
    Returns the trained model (reloaded from its dumped parameters). Raises
    ``InvalidModelClassException`` (a ``LifecycleError``) naming the failed stage and chained
    to its cause. ``enable_gpu`` is accepted for Rafiki's callers and ignored. ``on_event``
    (not Rafiki's) also sees every lifecycle event, before it is printed.
    """
    from ..lifecycle import LifecycleRequest, run_lifecycle

    stream = out or sys.stdout
    request = LifecycleRequest(
        model_file_path=model_file_path, model_class=model_class, task=task,
        train_dataset_uri=train_dataset_uri, test_dataset_uri=test_dataset_uri,
        dependencies=dependencies if dependencies is not None else {}, queries=queries,
        queries_from_test=queries_from_test, knobs=knobs, seed=seed,
    )
    report = _ConsoleReport(queries, test_dataset_uri, dependencies, stream)
    sink = report if on_event is None else _both(on_event, report)
    result = run_lifecycle(request, sink)
    print(f"Predictions: {_short.repr(result.predictions)}", file=stream)
    colors = palette_for(stream)
    print(f"{colors.blue}The model definition is valid!{colors.end}", file=stream)
    return result.model


def _both(first: Callable[[dict], None], then: Callable[[dict], None]
          ) -> Callable[[dict], None]:
    def sink(event: dict) -> None:
        first(event)
        then(event)

    return sink


test_model_class.__test__ = False  # not a pytest test, despite its name
