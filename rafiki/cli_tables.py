"""Plain-text tables of stored experiments and trials (``rafiki experiments [show ID]``)."""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from .cli_report import describe_error
from .experiments import Experiment, Trial
from .pruning import describe_pruned


def _when(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(timestamp))


def _score(score: float | None) -> str:
    return "" if score is None else f"{score:.4f}"


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, its end replaced by "…" when cut, so the
    reader knows there is more ("crash_in_train (ru…", not "crash_in_train (ru")."""
    return text if len(text) <= width else text[:width - 1] + "…"


def print_experiments(experiments: list[Experiment], out: TextIO | None = None) -> None:
    """One line per experiment, newest first."""
    out = out or sys.stdout
    if not experiments:
        print("No experiments yet: `rafiki run` or `rafiki tune` records them.", file=out)
        return
    print(f"{'ID':>5}  {'created':<16}  {'kind':<6} {'name':<20} {'class':<20} {'task':<20} "
          f"{'trials':>6} {'best':>8}", file=out)
    for e in experiments:
        print(f"{e.id:>5}  {_when(e.created):<16}  {e.kind:<6} {cut(e.name, 20):<20} "
              f"{cut(e.model_class, 20):<20} {cut(e.task, 20):<20} {e.trial_count:>6} "
              f"{_score(e.best_score):>8}", file=out)


def print_experiment(experiment: Experiment, trials: list[Trial],
                     out: TextIO | None = None) -> None:
    """The experiment's particulars, then its trials best first."""
    out = out or sys.stdout
    e = experiment
    lines = [
        f"Experiment {e.id}: {e.name}" + (f"  ({e.note})" if e.note else ""),
        f"  kind      {e.kind}" + (f"  pinned {json.dumps(e.settings.get('pinned'))}"
                                   if e.settings.get("pinned") else ""),
        f"  model     {e.model_file_path}  class {e.model_class}",
        f"  sha256    {e.model_sha256}",
        f"  task      {e.task}  app mode {e.app_mode}",
        f"  train     {e.train_dataset_uri}",
        f"  test      {e.test_dataset_uri}",
        f"  python    {e.python or '(the workbench)'}",
        f"  created   {_when(e.created)}  trials {e.trial_count}  best {_score(e.best_score)}",
        *_tuning_lines(e, trials),
        "",
    ]
    # the node column appears when some trial ran on a cluster node ("local": this machine)
    width = max((len(t.node) for t in trials if getattr(t, "node", None)), default=0)
    node_header = f"{'node':<{width}}  " if width else ""
    lines.append(f"{'#':>4}  {'status':<11} {'score':>8} {'time':>8}  {node_header}"
                 "knobs / error")
    for t in trials:
        duration = "" if t.duration is None else f"{t.duration:.1f}s"
        detail = json.dumps(t.knobs or {})
        if t.error and t.status != "completed":
            detail = describe_error(t.error)
        if t.status == "pruned":
            detail = f"{describe_pruned(t.pruned)}  {detail}"
        node = f"{(t.node or 'local'):<{width}}  " if width else ""
        lines.append(f"{t.number:>4}  {t.status:<11} {_score(t.score):>8} {duration:>8}  "
                     f"{node}{detail}")
    print("\n".join(lines), file=out)


def _tuning_lines(experiment: Experiment, trials: list[Trial]) -> list[str]:
    """A tuning's sampler, pruning and warm start, per session when a continued tuning ran
    with other settings than before, and where its compute went."""
    from .compute_accounting import summarize_compute

    if experiment.kind != "tuning":
        return []
    sessions = tuning_sessions(experiment.settings, [t.number for t in trials])
    described = [(first, last, _describe_how(how)) for first, last, how in sessions]
    if len({text for _, _, text in described}) > 1:
        lines = ["  tuning    settings differ between its sessions:"]
        lines += [f"    trials {first}-{last}: {text}" if first != last else
                  f"    trial {first}: {text}" for first, last, text in described]
    else:
        text = described[-1][2] if described else _describe_how(experiment.settings)
        lines = [f"  tuning    {text}"]
    lines += [f"  note      {notice}" for notice in experiment.settings.get("notices") or []]
    return [*lines, f"  compute   {summarize_compute(trials).describe()}"]


def tuning_sessions(settings: dict, numbers: list[int]) -> list[tuple[int, int, dict]]:
    """(first trial, last trial, settings) of each session of a tuning that ran trials; a
    tuning stored before sessions were recorded is one session with the latest settings."""
    if not numbers:
        return []
    sessions = settings.get("sessions") or [{"first_trial": 1, **settings}]
    found = []
    for index, session in enumerate(sessions):
        first = int(session.get("first_trial") or 1)
        following = [int(s.get("first_trial") or 1) for s in sessions[index + 1:]]
        end = min(following, default=max(numbers) + 1)
        ran = [n for n in numbers if first <= n < end]
        if ran:
            found.append((min(ran), max(ran), session))
    return found


def _describe_how(settings: dict) -> str:
    """"sampler tpe, pruner median on val_accuracy (step epoch), predict check 5"."""
    from .samplers import DEFAULT_SAMPLER

    pruning = settings.get("pruning")
    how = f"sampler {settings.get('sampler') or DEFAULT_SAMPLER}"
    if pruning:
        how += (f", pruner {pruning['pruner']} on {pruning['metric']} "
                f"(step {pruning['step']})")
    if settings.get("predict_check"):
        how += f", predict check {settings['predict_check']}"
    if settings.get("warm_start"):
        how += f", warm start from {', '.join(map(str, settings['warm_start']))}"
    return how
