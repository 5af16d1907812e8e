"""The ``rafiki`` command: test-model, run, tune, experiments and store, headless, for people
and CI.

Exit codes scripts can rely on (``EXIT_CODES_HELP``, shown by ``rafiki --help``): 0 success,
1 the model failed (the message names the stage and the cause), 2 bad input, refused before
anything is stored (missing files, bad JSON, unknown task, a model file that is not valid
Python, a dataset that misfits the task or cannot be read, knob values outside the config),
65/73/74/75 the experiment store cannot be used (damaged, not writable, disk full, locked by
another program: one line names the file and what to do; numbers from ``sysexits.h``), 124
the run's time limit was hit, 130 interrupted with Ctrl-C (the child is stopped first), 137
the model went over its memory limit (``--memory-mb``; 137 is what a shell shows for a
process the kernel's OOM killer ended), 141 the reader of the output went away (``rafiki
experiments | head -1``), quietly, as a program ended by SIGPIPE.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_MODEL_ERROR = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
EXIT_OUT_OF_MEMORY = 137
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 141
DEFAULT_TUNING_TRIALS = 10
EXIT_CODES_HELP = """exit codes:
  0    success
  1    the model failed (the message names the stage and the cause)
  2    bad input, nothing stored (missing files, bad JSON, unknown task, a syntax
       error, a dataset that misfits the task or cannot be read, knobs outside the config)
  65   the experiment store is damaged: run `rafiki store check --repair`
  73   the experiment store cannot be written (read-only folder or file)
  74   the disk of the experiment store is full (or failing)
  75   the experiment store is locked by another program: try again later
  124  the run's time limit was hit
  130  interrupted with Ctrl-C (the run is stopped and recorded as stopped)
  137  the model went over its memory limit (--memory-mb)
  141  the reader of the output went away (`rafiki experiments | head -1`)"""


# -- arguments ---------------------------------------------------------------------------------

def _add_model_arguments(parser: argparse.ArgumentParser, class_required: bool) -> None:
    parser.add_argument("model", metavar="MODEL.py", help="the model file")
    # argparse lists required options under "options": a group of their own says they are not
    required = parser.add_argument_group("required arguments")
    if class_required:
        required.add_argument("--class", dest="model_class", metavar="NAME", required=True,
                              help="the model class")
        required.add_argument("--task", metavar="TASK", required=True, help="the task")
    else:
        parser.add_argument("--class", dest="model_class", metavar="NAME",
                            help="the model class (default: the file's only BaseModel subclass)")
        parser.add_argument("--task", metavar="TASK",
                            help="the task (default: told by the training dataset)")
    required.add_argument("--train", required=True, metavar="URI", help="training dataset")
    required.add_argument("--test", required=True, metavar="URI", help="test dataset")


def _add_query_arguments(parser: argparse.ArgumentParser) -> None:
    from .query_sample import DEFAULT_QUERY_COUNT

    queries = parser.add_mutually_exclusive_group()
    queries.add_argument("--queries", metavar="FILE",
                         help="a JSON list of queries to predict (default: test samples)")
    queries.add_argument("--queries-from-test", type=int, metavar="N",
                         default=DEFAULT_QUERY_COUNT,
                         help="predict the first N samples of the test dataset "
                              f"(default {DEFAULT_QUERY_COUNT}, when --queries is not given)")


def _add_memory_argument(parser: argparse.ArgumentParser, what: str) -> None:
    from .memory_limit import DEFAULT_SHARE

    parser.add_argument(
        "--memory-mb", metavar="MB", dest="memory_mb",
        help=f"memory limit of {what} in MB, or 'off' (default: "
             f"{DEFAULT_SHARE * 100:.0f}%% of physical memory, shared by the processes running "
             "at once)")


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar (one subparser per command)."""
    parser = argparse.ArgumentParser(
        prog="rafiki", description="Run, tune and review Rafiki models headless.",
        epilog=EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    test_model = commands.add_parser(
        "test-model", help="test_model_class in this process, as Rafiki's developers used it")
    _add_model_arguments(test_model, class_required=True)
    test_model.add_argument("--knobs", metavar="JSON", help="knob values (default: advisor)")
    _add_query_arguments(test_model)
    _add_memory_argument(test_model, "this process")

    run = commands.add_parser("run", help="one isolated run in a child process, stored")
    _add_model_arguments(run, class_required=False)
    run.add_argument("--knobs", metavar="JSON", help="knob values (default: advisor)")
    _add_query_arguments(run)
    run.add_argument("--python", metavar="PATH", help="interpreter to run the model with")
    run.add_argument("--timeout", type=float, metavar="SECONDS", help="time limit of the run")
    run.add_argument("--json", action="store_true", help="print events as JSON lines")
    _add_memory_argument(run, "the model's process")

    tune = commands.add_parser("tune", help="tune knobs over many trials, stored")
    _add_model_arguments(tune, class_required=False)
    tune.add_argument("--trials", type=int, metavar="N",
                      help=f"trials to run (default {DEFAULT_TUNING_TRIALS} without --minutes)")
    tune.add_argument("--minutes", type=float, metavar="M", help="time budget in minutes")
    tune.add_argument("--parallel", type=int, metavar="K",
                      help="trials at once (default: cores - 1)")
    tune.add_argument("--seed", type=int, metavar="S", help="seed of the advisor and trials")
    tune.add_argument("--python", metavar="PATH", help="interpreter to run the model with")
    tune.add_argument("--pin", metavar="JSON", help="knob values fixed for this tuning")
    tune.add_argument("--timeout", type=float, metavar="SECONDS", help="time limit per trial")
    _add_memory_argument(tune, "each trial's process")
    tune.add_argument("--predict-check", type=int, default=0, metavar="N",
                      help="after each trial's dump parameters, load them and predict the first "
                           "N test samples (default 0: trials are train, evaluate, dump, as "
                           "Rafiki's train workers ran them)")
    from .pruning import DEFAULT_PRUNER, POINT_INDEX, PRUNER_NAMES
    from .samplers import DEFAULT_SAMPLER, SAMPLERS

    tune.add_argument("--sampler", choices=list(SAMPLERS), metavar="NAME",
                      help=f"the advisor's sampler (default {DEFAULT_SAMPLER}, chosen by "
                           f"bench/bench_samplers.py; one of {', '.join(SAMPLERS)})")
    tune.add_argument("--pruner", choices=list(PRUNER_NAMES), default=None,
                      help="stop trials whose logged metric falls behind (Optuna's pruners; "
                           f"default {DEFAULT_PRUNER} when --prune-metric is given, chosen "
                           "by bench/bench_pruning.py)")
    tune.add_argument("--prune-metric", metavar="NAME",
                      help="the logged metric pruning follows, e.g. val_accuracy or loss "
                           "(loss/error: lower is better, else higher)")
    tune.add_argument("--prune-step", default="epoch", metavar="NAME",
                      help=f"the logged metric that counts steps (default epoch), or "
                           f"'{POINT_INDEX}' for the metric's point number")
    tune.add_argument("--prune-direction", choices=("auto", "max", "min"), default="auto",
                      help="whether the metric is better higher (max) or lower (min); auto "
                           "reads it from the name")
    tune.add_argument("--warm-start", type=int, nargs="+", metavar="EXPERIMENT_ID",
                      default=[], help="tell the advisor the stored trials of these earlier "
                                       "experiments first (knobs that fit this knob config)")
    tune.add_argument("--ray", metavar="ADDRESS",
                      help="run the trials on a Ray cluster: auto, HOST:PORT or "
                           "ray://HOST:10001 (needs the ray extra; see docs/CLUSTER.md)")
    tune.add_argument("--trial-cpus", type=float, metavar="N",
                      help="CPUs per trial on the Ray cluster (default 1)")
    tune.add_argument("--trial-memory-mb", type=int, metavar="MB",
                      help="memory per trial: the child's limit, and on a Ray cluster what "
                           "the scheduler reserves")
    tune.add_argument("--retry-interrupted", action="store_true",
                      help="run a trial whose cluster node was lost once more, same knobs")

    experiments = commands.add_parser("experiments", help="list stored experiments")
    shown = experiments.add_subparsers(dest="action", metavar="ACTION")
    show = shown.add_parser("show", help="an experiment's trials, best first")
    show.add_argument("id", type=int, metavar="ID")

    store = commands.add_parser("store", help="check or repair the experiment store file")
    store_actions = store.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = store_actions.add_parser(
        "check", help="SQLite's integrity check of the store (exit 65 when damaged)")
    check.add_argument("--repair", action="store_true",
                       help="recover a damaged store into a new file (the sqlite3 program's "
                            ".recover when it works, else a row-by-row copy); the damaged "
                            "file is kept beside it")
    return parser


# -- input checks (argparse style: exit 2 with the reason) -------------------------------------

def _check_file(parser: argparse.ArgumentParser, path: str, what: str) -> None:
    if not Path(path).exists():
        parser.error(f"{what} {path}: no such file")
    if not Path(path).is_file():
        parser.error(f"{what} {path}: not a file")


def _check_dataset(parser: argparse.ArgumentParser, uri: str, what: str) -> None:
    from .paths import local_path_of

    path = local_path_of(uri)
    if path is not None:
        _check_file(parser, str(path), what)


def _json_dict(parser: argparse.ArgumentParser, text: str | None, option: str) -> dict | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        parser.error(f"{option}: not valid JSON ({exc.msg} at character {exc.pos}): {text}")
    if not isinstance(value, dict):
        parser.error(f"{option}: expected a JSON object of knob values, got {text}")
    return value


def _queries(parser: argparse.ArgumentParser, path: str | None) -> list | None:
    """The queries of ``--queries FILE``; None without it (Predict samples the test set)."""
    from .queries_file import read_queries_file

    if path is None:
        return None
    _check_file(parser, path, "queries file")
    try:
        return read_queries_file(path)
    except ValueError as exc:
        hint = ("; leave --queries out to predict the first samples of the test dataset"
                if "empty" in str(exc) else "")
        parser.error(f"queries file {exc}{hint}")


def _query_choice(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, Any]:
    """``queries`` and ``queries_from_test``, as RunSpec and test_model_class take them."""
    if args.queries_from_test < 1:
        parser.error(f"--queries-from-test must be at least 1, not {args.queries_from_test}")
    return {"queries": _queries(parser, args.queries),
            "queries_from_test": args.queries_from_test}


def _memory_limit(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int | None:
    """``--memory-mb`` in MB (0: no limit), or None for the default."""
    from .memory_limit import MemoryLimitError, parse_memory_limit

    if args.memory_mb is None:
        return None
    try:
        return parse_memory_limit(args.memory_mb)
    except MemoryLimitError as exc:
        parser.error(f"--memory-mb: {exc}")


def _check_task(parser: argparse.ArgumentParser, task: str) -> None:
    from .tasks import TASKS

    if task not in TASKS:
        parser.error(f"unknown task {task!r} (known: {', '.join(TASKS)})")


def _model_inputs(parser: argparse.ArgumentParser, args: argparse.Namespace,
                  knobs: dict | None = None, partial_knobs: bool = False) -> tuple[str, str]:
    """Checked files, and the class and task (inferred where not given): the window's checks
    before a run (:mod:`rafiki.run_checks`), so bad input exits 2 before anything is stored.
    ``knobs`` (``--knobs``, or ``--pin`` with ``partial_knobs``) are checked against the
    class's knob config (:func:`_knob_config`). The task: ``--task``, else the one the model
    file's ``test_model_class`` call names (as the window takes it), else the dataset's."""
    from .cli_inference import InferenceError, check_model_source, infer_model_class, infer_task
    from .model_file_statics import read_statics
    from .run_checks import run_input_problems
    from .tasks import TASKS

    _check_file(parser, args.model, "model file")
    _check_dataset(parser, args.train, "training dataset")
    _check_dataset(parser, args.test, "test dataset")
    if args.task is not None:
        _check_task(parser, args.task)
    try:
        check_model_source(args.model)  # a syntax error is bad input, with --class or not
        model_class = args.model_class or infer_model_class(args.model)
        named = args.task or read_statics(args.model).get("task")
        task = named if isinstance(named, str) and named in TASKS else infer_task(args.train)
    except InferenceError as exc:
        parser.error(str(exc))
    task, problems = run_input_problems(
        args.train, args.test, task, knobs, lambda: _knob_config(args, model_class),
        partial_knobs=partial_knobs)
    if problems:
        option = "--pin" if partial_knobs else "--knobs"
        for problem in problems:
            shown = f"{option}: {problem}" if problem.startswith(("knob", "unknown knob",
                                                                  "missing knob")) else problem
            print(f"error: {shown}", file=sys.stderr)
        print("nothing was run or stored", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)
    return model_class, task


def _knob_config(args: argparse.Namespace, model_class: str) -> dict | None:
    """The class's knob config: from the syntax tree when plain, else by loading the model
    file in a child process (user code never runs in this one); None when it does not load
    (the run then reports why)."""
    from .knob_config_statics import static_knob_config
    from .model.knob import deserialize_knob_config
    from .runner import inspect_model_file

    static = static_knob_config(args.model, model_class)  # no child needed when plain
    if static is not None:
        return static
    python = None if getattr(args, "ray", None) else getattr(args, "python", None)
    inspection = inspect_model_file(args.model, python=python)
    serialized = inspection.classes.get(model_class)
    if inspection.error or serialized is None:
        return None
    return deserialize_knob_config(serialized)


# -- commands ----------------------------------------------------------------------------------

def cmd_test_model(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .cli_inference import declared_dependencies
    from .crash_watch import CrashWatch
    from .lifecycle import LifecycleError
    from .memory_limit import apply_rlimit, resolve_memory_limit, restore_rlimit
    from .model.dev import test_model_class

    knobs = _json_dict(parser, args.knobs, "--knobs")
    model_class, task = _model_inputs(parser, args, knobs)
    query_choice = _query_choice(parser, args)
    limit_mb = resolve_memory_limit(_memory_limit(parser, args))
    previous_limit = apply_rlimit(limit_mb)  # in-process by design: the limit is its own

    def note_stage(event: dict) -> None:
        if event.get("kind") == "stage" and event.get("state") == "started":
            watch.stage(str(event.get("stage")))

    try:
        # in-process by design: a native crash kills this process, so faulthandler prints
        # the stack and a watcher process names the stage it happened in
        with CrashWatch(f"{args.model} ({model_class})") as watch:
            test_model_class(
                model_file_path=args.model, model_class=model_class, task=task,
                dependencies=declared_dependencies(args.model), train_dataset_uri=args.train,
                test_dataset_uri=args.test, knobs=knobs, on_event=note_stage, **query_choice,
            )
    except LifecycleError as exc:
        if limit_mb and (exc.error or {}).get("type") == "MemoryError":
            print(f"error: out of memory during stage '{exc.error.get('stage')}' (limit "
                  f"{limit_mb} MB)", file=sys.stderr)
            return EXIT_OUT_OF_MEMORY
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        restore_rlimit(previous_limit)
    return EXIT_OK


def _recording(experiments, trial_id: int, show, failed: list[Exception]):
    """An events callback that stores each batch, then shows it. A store failure does not stop
    the run: it is kept in ``failed`` (said at the end, once, as the run's error); any other
    failure is warned about at once."""
    from .experiments import StoreError

    def on_events(batch: list[dict]) -> None:
        if not failed:
            try:
                experiments.record(trial_id, batch)
            except Exception as exc:
                failed.append(exc)
                if not isinstance(exc, StoreError):
                    print(f"warning: events are no longer stored: {exc}", file=sys.stderr)
        show(batch)

    return on_events


class _UntilStdoutCloses:
    """A printer that stops printing when the reader of stdout goes away (``rafiki run ... |
    head``): the run goes on and is stored, and nothing more is printed, with no traceback.
    Its calls come from the main thread and the runner's reader thread alike."""

    def __init__(self, printer: Any):
        self._printer = printer
        self._open = True

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._printer, name)
        return lambda *args, **kwargs: self._guarded(method, *args, **kwargs)

    def __call__(self, *args: Any) -> None:
        self._guarded(self._printer, *args)

    def _guarded(self, method: Any, *args: Any, **kwargs: Any) -> None:
        if not self._open:
            return
        try:
            method(*args, **kwargs)
            sys.stdout.flush()
        except BrokenPipeError:
            self._open = False
            _discard_stdout()


def _wait_stopping_on_ctrl_c(run) -> tuple[Any, bool]:
    """The run's outcome; on Ctrl-C the run is stopped first (a second Ctrl-C is ignored)."""
    try:
        return run.wait(), False
    except KeyboardInterrupt:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        run.stop()
        return run.wait(), True


def cmd_run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .cli_inference import declared_dependencies
    from .cli_report import JsonEventPrinter, RunPrinter, describe_error

    knobs = _json_dict(parser, args.knobs, "--knobs")
    if args.python is not None:
        _check_file(parser, args.python, "interpreter")
    model_class, task = _model_inputs(parser, args, knobs)
    query_choice = _query_choice(parser, args)
    if args.timeout is not None and args.timeout <= 0:
        parser.error(f"--timeout must be positive, not {args.timeout}")
    memory_limit_mb = _memory_limit(parser, args)
    from .experiments import Experiments, StoreError
    from .runner import Run, RunSpec

    spec = RunSpec(
        model_file_path=str(Path(args.model).resolve()), model_class=model_class, task=task,
        train_dataset_uri=args.train, test_dataset_uri=args.test, knobs=knobs, **query_choice,
        dependencies=declared_dependencies(args.model), python=args.python,
        timeout=args.timeout, memory_limit_mb=memory_limit_mb,
    )
    experiments = Experiments()
    opened = experiments.open_run(spec)
    experiment, trial = opened.experiment, opened.trial
    printer = _UntilStdoutCloses(JsonEventPrinter() if args.json else RunPrinter())
    if not args.json:
        printer.finish(f"{args.model}: {model_class} ({task}), experiment {experiment.id}, "
                       f"trial {trial.number}")
    store_failures: list[Exception] = []
    run = Run(spec, on_events=_recording(experiments, trial.id, printer, store_failures))
    run.start()
    outcome, interrupted = _wait_stopping_on_ctrl_c(run)
    try:
        if store_failures and isinstance(store_failures[0], StoreError):
            raise store_failures[0]
        trial = experiments.finish_trial(trial.id, outcome)
    finally:
        experiments.close()

    state = outcome.state.name.lower()
    if interrupted:
        code = EXIT_INTERRUPTED
    else:
        code = {"completed": EXIT_OK, "timed_out": EXIT_TIMEOUT,
                "out_of_memory": EXIT_OUT_OF_MEMORY}.get(state, EXIT_MODEL_ERROR)
    if args.json:
        printer.final({"kind": "outcome", "state": state, "exit_code": code,
                       "experiment_id": experiment.id, "trial_id": trial.id,
                       "score": trial.score, "error": trial.error,
                       "params_path": trial.params_path})
        return code
    if code == EXIT_OK:
        predictions = (outcome.result or {}).get("predictions") or []
        printer.finish(f"Score {trial.score:.4f} in {outcome.duration:.1f} s; parameters "
                       f"{trial.params_path}; {len(predictions)} prediction(s)")
        for query_number, prediction in enumerate(predictions[:5]):
            printer.finish(f"    prediction {query_number}: {json.dumps(prediction)[:120]}")
    elif code == EXIT_INTERRUPTED:
        print("interrupted: the run was stopped and recorded as stopped", file=sys.stderr)
    else:
        _print_failure(outcome, trial, args.model, describe_error)
    return code


def _print_failure(outcome, trial, model_file: str, describe_error) -> None:
    from .cli_report import fold_traceback

    error = trial.error or {}
    traceback_text = error.get("traceback") or ""
    if traceback_text:
        print(fold_traceback(traceback_text, model_file).rstrip(), file=sys.stderr)
    for line in (getattr(outcome, "last_output", None) or [])[-10:]:
        print(f"    | {line.rstrip()}", file=sys.stderr)
    if error.get("type") == "OutOfMemory":  # the limit, not the model's code, ended it
        print(f"error: {model_file}: {error.get('message')}; give it more with --memory-mb MB "
              "(or --memory-mb off)", file=sys.stderr)
        return
    print(f"error: {describe_error(error, model_file)}", file=sys.stderr)


def cmd_tune(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .cli_inference import declared_dependencies
    from .cli_report import TrialTable
    from .tuning import TuningError

    pinned = _json_dict(parser, args.pin, "--pin") or {}
    if args.python is not None and not args.ray:  # on a cluster it names the nodes' Python
        _check_file(parser, args.python, "interpreter")
    model_class, task = _model_inputs(parser, args, pinned or None, partial_knobs=True)
    if args.trial_cpus is not None and not args.ray:
        parser.error("--trial-cpus is for trials on a Ray cluster (--ray ADDRESS)")
    if args.trial_cpus is not None and args.trial_cpus <= 0:
        parser.error(f"--trial-cpus must be positive, not {args.trial_cpus}")
    if args.trial_memory_mb is not None and args.trial_memory_mb < 1:
        parser.error(f"--trial-memory-mb must be at least 1, not {args.trial_memory_mb}")
    for option, value in (("--trials", args.trials), ("--parallel", args.parallel)):
        if value is not None and value < 1:
            parser.error(f"{option} must be at least 1, not {value}")
    memory_limit_mb = _memory_limit(parser, args)
    if args.predict_check < 0:
        parser.error(f"--predict-check must be 0 (off) or more, not {args.predict_check}")
    if args.minutes is not None and args.minutes <= 0:
        parser.error(f"--minutes must be positive, not {args.minutes}")
    trials = args.trials
    if trials is None and args.minutes is None:
        trials = DEFAULT_TUNING_TRIALS
    pruning = _pruning_settings(parser, args)

    from .experiments import Experiments
    from .runner import RunSpec

    setup = RunSpec(
        model_file_path=str(Path(args.model).resolve()), model_class=model_class, task=task,
        train_dataset_uri=args.train, test_dataset_uri=args.test,
        dependencies=declared_dependencies(args.model),
        python=None if args.ray else args.python,  # on a cluster: the nodes' Python
    )
    executor = _cluster_executor(args) if args.ray else None
    experiments = Experiments()
    experiment = experiments.tuning_experiment(setup, pinned=pinned)
    table = TrialTable()
    try:
        tuner = experiments.tuner(
            experiment.id, budget_trials=trials, budget_minutes=args.minutes,
            parallel=args.parallel, seed=args.seed, on_trial_event=table, pinned_knobs=pinned,
            trial_timeout=args.timeout, predict_check=args.predict_check,
            sampler=args.sampler, pruning=pruning, warm_start=args.warm_start,
            executor=executor, retry_interrupted=args.retry_interrupted,
            # --trial-memory-mb (a cluster's reservation) is also the child's limit
            memory_limit_mb=args.trial_memory_mb or memory_limit_mb)
        where = f" on the Ray cluster at {args.ray}" if executor else ""
        print(f"Tuning {model_class} ({task}): experiment {experiment.id}, "
              f"{trials or 'unlimited'} trial(s)"
              + (f" within {args.minutes:g} min" if args.minutes else "")
              + f", {tuner.parallel} at once{where}", flush=True)
        tuner.prepare()
        print(_tuning_how(tuner), flush=True)
    except TuningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MODEL_ERROR

    outcome: dict[str, Any] = {}

    def tune() -> None:
        try:
            outcome["result"] = tuner.run()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=tune, name="rafiki-tuning")
    worker.start()
    interrupted = False
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        interrupted = True
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("\nstopping: running trials end as stopped", file=sys.stderr, flush=True)
        tuner.stop()
        worker.join()
    print()
    if "error" in outcome:
        from .experiments import StoreError

        print(f"error: {outcome['error']}", file=sys.stderr)
        if isinstance(outcome["error"], StoreError):
            return outcome["error"].exit_code
        return EXIT_MODEL_ERROR
    result = outcome["result"]
    best = result.best
    done = sum(t.status == "completed" for t in result.trials)
    pruned = sum(t.status == "pruned" for t in result.trials)
    print(f"{len(result.trials)} trial(s) in {result.elapsed:.1f} s: {done} completed"
          + (f", {pruned} pruned" if pruned else ""))
    if result.compute is not None:
        print(f"Compute: {result.compute.describe()}")
    if best is not None:
        print(f"Best: trial {best.number}, score {best.score:.4f}, knobs "
              f"{json.dumps(best.knobs)}")
    print(f"Details: rafiki experiments show {experiment.id}")
    experiments.close()
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if done else EXIT_MODEL_ERROR


def _pruning_settings(parser: argparse.ArgumentParser, args: argparse.Namespace):
    """The pruning asked for on the command line, or None (no --prune-metric, or --pruner
    off)."""
    from .pruning import DEFAULT_PRUNER, PruningSettings

    if args.pruner not in (None, "off") and not args.prune_metric:
        parser.error(f"--pruner {args.pruner} needs --prune-metric (a metric the model logs)")
    if not args.prune_metric or args.pruner == "off":
        return None
    try:
        return PruningSettings(metric=args.prune_metric, pruner=args.pruner or DEFAULT_PRUNER,
                               step=args.prune_step, direction=args.prune_direction)
    except ValueError as exc:
        parser.error(str(exc))


def _tuning_how(tuner) -> str:
    """One line: the sampler, the pruning and what the warm start told the advisor."""
    from .samplers import DEFAULT_SAMPLER

    text = f"Sampler {tuner.sampler or DEFAULT_SAMPLER}"
    pruning = tuner.pruning
    if pruning is not None:
        better = "higher" if pruning.higher_is_better else "lower"
        text += (f"; pruner {pruning.pruner} on {pruning.metric} ({better} is better) "
                 f"per {pruning.step}")
    if tuner.warm_start:
        text += (f"; warm start: {tuner.warm_started} trial(s) of experiment(s) "
                 f"{', '.join(map(str, tuner.warm_start))} told first")
    return text


def _cluster_executor(args: argparse.Namespace):
    """The Ray executor ``--ray`` asks for, or exit with the reason (no ray, no cluster)."""
    try:
        from .cluster.ray_executor import RayExecutor
    except ImportError as exc:
        print(f"error: --ray needs Ray: pip install \"rafiki-workbench[ray]\" ({exc})",
              file=sys.stderr)
        raise SystemExit(EXIT_MODEL_ERROR) from exc
    from .cluster.connection import ClusterConnectionError

    try:
        executor = RayExecutor(args.ray, trial_cpus=args.trial_cpus or 1.0,
                               trial_memory_mb=args.trial_memory_mb, python=args.python)
        print(f"Ray cluster at {args.ray}: {executor.describe()}", flush=True)
    except (ClusterConnectionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_MODEL_ERROR) from exc
    return executor


def cmd_experiments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .cli_tables import print_experiment, print_experiments
    from .experiments import Experiments

    with Experiments() as experiments:
        if args.action == "show":
            try:
                experiment = experiments.get(args.id)
            except KeyError:
                parser.error(f"no experiment {args.id} in {experiments.path}")
            print_experiment(experiment, experiments.trials(experiment.id, best_first=True))
        else:
            print_experiments(experiments.list())
    return EXIT_OK


def cmd_store(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .experiments import StoreProblem, check_store, repair_store, store_path

    path = store_path()
    if not path.is_file():
        print(f"{path}: no experiment store yet (nothing to check)")
        return EXIT_OK
    checked = check_store(path)
    if checked.ok:
        print(f"{path}: sound (SQLite's integrity check found no problem)")
        return EXIT_OK
    shown = "; ".join(checked.problems[:3])
    more = len(checked.problems) - 3
    print(f"{path}: damaged: {shown}" + (f" (and {more} more)" if more > 0 else ""))
    if not args.repair:
        print("repair it with: rafiki store check --repair (the damaged file is kept)")
        return StoreProblem.CORRUPT.exit_code
    repaired = repair_store(path)
    for note in repaired.notes:
        print(f"note: {note}")
    rows = ", ".join(f"{count} {table}" for table, count in repaired.rows.items())
    print(f"Recovered with {repaired.method}: {rows}")
    if repaired.unreadable:
        print(f"Some rows of {', '.join(repaired.unreadable)} could not be read and are lost")
    if repaired.dropped:
        dropped = ", ".join(f"{count} {table}" for table, count in repaired.dropped.items())
        print(f"Dropped rows whose experiment or trial was lost: {dropped}")
    print(f"The damaged file is kept as {repaired.damaged_copy}")
    return EXIT_OK


COMMANDS = {"test-model": cmd_test_model, "run": cmd_run, "tune": cmd_tune,
            "experiments": cmd_experiments, "store": cmd_store}


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``rafiki`` and ``python -m rafiki``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = COMMANDS[args.command](parser, args)
        sys.stdout.flush()  # here, where a closed pipe can still be handled
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        from .store_errors import StoreError

        if not isinstance(exc, StoreError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def _discard_stdout() -> None:
    """The reader of stdout is gone: point stdout at devnull so that Python's final flush at
    exit does not fail again (the idiom of the ``signal`` module's documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
