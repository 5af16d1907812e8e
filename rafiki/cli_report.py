"""How the command line shows a run and a tuning: readable lines for people, JSON for scripts.

People get each stage with its duration, the model's messages and output, and one progress
line (rewritten in place on a terminal, left out when piped) for the flood of metrics; scripts
get one JSON object per event. Tuning prints a table that grows a row per finished trial.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from . import events as ev
from .lifecycle import STAGE_LABELS, Stage
from .trial_ranking import best_first_key, is_ranked

PROGRESS_INTERVAL = 0.1  # seconds between progress line redraws


def stage_label(stage: str | None) -> str:
    """A stage's human name ("Dump parameters"); the raw value for an unknown one."""
    if stage is None:
        return "(before the lifecycle)"
    try:
        return STAGE_LABELS[Stage(stage)]
    except ValueError:
        return stage


def describe_error(error: dict | None, model_file_path: str = "") -> str:
    """One line naming the file, the stage and the cause."""
    error = error or {}
    where = f"{model_file_path}: " if model_file_path else ""
    if ev.is_stop(error):  # the user's stop: neutral, no cause to blame
        return f"{where}stopped during stage '{stage_label(error.get('stage'))}'"
    cause = error.get("type") or "Error"
    if error.get("message"):
        cause += f": {error['message']}"
    return f"{where}stage '{stage_label(error.get('stage'))}' failed: {cause}"


_FRAME_LINE = re.compile(r'^  File "(?P<file>[^"]+)", line \d+')


@functools.lru_cache(maxsize=1)
def _workbench_modules() -> tuple[str, ...]:
    """The workbench's own source files as ``/rafiki/...py`` suffixes: they match its frames
    whether the child ran this source or a copy of the SDK installed in another Python."""
    package = Path(__file__).resolve().parent
    return tuple("/" + path.relative_to(package.parent).as_posix()
                 for path in package.rglob("*.py"))


def _is_workbench_frame(file_name: str, model_file: str) -> bool:
    posix = file_name.replace("\\", "/")
    if model_file and posix == model_file:
        return False
    return posix.endswith(_workbench_modules()) or posix.startswith("<frozen runpy")


def fold_traceback(text: str, model_file_path: str = "") -> str:
    """A traceback with the workbench's own frames folded (``... 2 workbench frames ...``),
    so that the model file's frames come first; the frame where the error was raised is
    kept even when it is the workbench's (a dataset it could not read)."""
    model_file = str(Path(model_file_path).resolve()).replace("\\", "/") \
        if model_file_path else ""
    entries: list[tuple[str | None, list[str]]] = []  # (frame's file or None, its lines)
    for line in text.splitlines():
        frame = _FRAME_LINE.match(line)
        if frame:
            entries.append((frame.group("file"), [line]))
        elif line.startswith("    ") and entries and entries[-1][0] is not None:
            entries[-1][1].append(line)  # the frame's source line and its carets
        else:
            entries.append((None, [line]))
    out: list[str] = []
    folded = 0
    for index, (file_name, lines) in enumerate(entries):
        innermost = index + 1 == len(entries) or entries[index + 1][0] is None
        if file_name is not None and not innermost and _is_workbench_frame(file_name,
                                                                           model_file):
            folded += 1
            continue
        if folded:
            out.append(f"  ... {folded} workbench frame{'s' if folded > 1 else ''} ...")
            folded = 0
        out.extend(lines)
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _format_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _describe_queries(queries: dict) -> str:
    """The Predict stage's queries: "10 queries (test sample)"."""
    count = queries.get("count")
    return f"{count} quer{'y' if count == 1 else 'ies'} ({queries.get('source')})"


class JsonEventPrinter:
    """Each event as one JSON line (``--json``)."""

    def __init__(self, out: TextIO | None = None):
        self.out = out or sys.stdout
        self._lock = threading.Lock()

    def __call__(self, batch: list[dict]) -> None:
        text = "".join(json.dumps(event, default=str) + "\n" for event in batch)
        with self._lock:
            self.out.write(text)
            self.out.flush()

    def final(self, record: dict) -> None:
        self([record])


class RunPrinter:
    """Readable progress of one run: stages with durations, messages, output, a progress line."""

    def __init__(self, out: TextIO | None = None, live: bool | None = None):
        self.out = out or sys.stdout
        self.live = self.out.isatty() if live is None else live
        self._lock = threading.Lock()
        self._progress = ""
        self._last_draw = 0.0
        self._stage: str | None = None
        self._stage_started = 0.0
        self._metrics: dict[str, Any] = {}
        self._points = 0

    def __call__(self, batch: list[dict]) -> None:
        with self._lock:
            for event in batch:
                self._show(event)
            self._draw_progress()
            self.out.flush()

    def _line(self, text: str) -> None:
        if self._progress:
            self.out.write("\r\033[K")
            self._progress = ""
        self.out.write(text + "\n")

    def _show(self, event: dict) -> None:
        kind = event.get("kind")
        if kind == ev.STAGE:
            self._show_stage(event)
        elif kind == ev.MESSAGE:
            self._line(f"    {event.get('msg', '')}")
        elif kind == ev.OUTPUT:
            prefix = "    | " if event.get("stream") != "stderr" else "    ! "
            for line in event.get("text", "").rstrip("\n").split("\n"):
                self._line(prefix + line)
        elif kind == ev.METRICS:
            self._metrics.update(event.get("values") or {})
            self._points += 1
        elif kind == ev.PLOT:
            metrics = ", ".join(event.get("metrics") or [])
            self._line(f"    plot '{event.get('title', '')}': {metrics}")

    def _show_stage(self, event: dict) -> None:
        state, stage = event.get("state"), event.get("stage")
        label = stage_label(stage)
        if state == ev.STARTED:
            self._stage, self._stage_started = stage, time.monotonic()
            self._metrics, self._points = {}, 0
            return
        duration = event.get("duration") or 0.0
        info = event.get("info") or {}
        if state == ev.FINISHED:
            detail = ""
            if "knobs" in info:
                detail = f"  knobs {_short(info['knobs'], 200)}"
            elif "score" in info:
                detail = f"  score {_format_number(info['score'])}"
            elif "queries" in info:
                detail = f"  {_describe_queries(info['queries'])}"
            self._line(f"  ok  {label:<18} {duration:7.2f} s{detail}")
        elif ev.is_stop(event.get("error")):
            self._line(f"  --  {label:<18} {duration:7.2f} s  stopped")
        else:
            detail = f" ({_describe_queries(info['queries'])})" if "queries" in info else ""
            self._line(f"  !!  {label:<18} {duration:7.2f} s  failed{detail}")
        self._stage = None

    def _draw_progress(self) -> None:
        if not self.live or self._stage is None:
            return
        now = time.monotonic()
        if now - self._last_draw < PROGRESS_INTERVAL:
            return
        self._last_draw = now
        values = " ".join(f"{k}={_format_number(v)}" for k, v in list(self._metrics.items())[:6])
        text = f"  ..  {stage_label(self._stage):<18} {now - self._stage_started:7.1f} s  {values}"
        self.out.write("\r\033[K" + text[:160])
        self._progress = text

    def finish(self, text: str) -> None:
        """A closing line (the outcome), after clearing the progress line."""
        with self._lock:
            self._line(text)
            self.out.flush()


class TrialTable:
    """The tuning's table: a row per finished trial, and a "running" line on a terminal."""

    HEADER = f"{'#':>4}  {'status':<11} {'score':>8} {'time':>8}  knobs / error"

    def __init__(self, out: TextIO | None = None, live: bool | None = None):
        self.out = out or sys.stdout
        self.live = self.out.isatty() if live is None else live
        self._lock = threading.Lock()
        self._running: set[int] = set()
        self._best: Any = None  # the best trial so far, by the store's rule
        self._header_shown = False

    def __call__(self, tuning_event: Any) -> None:
        kind = tuning_event.kind
        if kind == "trial_events":
            return
        if kind == "notice":
            with self._lock:
                self._clear()
                self.out.flush()
                print(f"note: {tuning_event.message}", file=sys.stderr, flush=True)
                self._status()
            return
        with self._lock:
            if not self._header_shown:
                self.out.write(self.HEADER + "\n")
                self._header_shown = True
            if kind == "trial_started":
                self._running.add(tuning_event.trial_id)
            elif kind == "trial_finished":
                self._running.discard(tuning_event.trial_id)
                self._clear()
                self.out.write(self.row(tuning_event.trial) + "\n")
            self._status()
            self.out.flush()

    def row(self, trial: Any) -> str:
        score = "" if trial.score is None else f"{trial.score:.4f}"
        duration = "" if trial.duration is None else f"{trial.duration:.1f}s"
        if is_ranked(trial) and (
                self._best is None or best_first_key(trial) < best_first_key(self._best)):
            self._best = trial  # a tie goes to the lower number, as the summary's "Best"
            score += " *"
        detail = _short(trial.knobs or {}, 80)
        if trial.error and trial.status != "completed":
            detail = describe_error(trial.error)
        if trial.status == "pruned":
            from .pruning import describe_pruned

            detail = f"{describe_pruned(trial.pruned)}  {_short(trial.knobs or {}, 50)}"
        return f"{trial.number:>4}  {trial.status:<11} {score:>8} {duration:>8}  {detail}"

    def _clear(self) -> None:
        if self.live:
            self.out.write("\r\033[K")

    def _status(self) -> None:
        if self.live and self._running:
            best = "" if self._best is None else f", best {self._best.score:.4f}"
            self.out.write(f"\r\033[K  running: {len(self._running)} trial(s){best}")
