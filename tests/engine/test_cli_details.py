"""Details of the command line a person meets: required flags in --help, model-first
tracebacks, a quiet end when the reader of the output goes away, one best trial on ties,
and colours only on a terminal."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rafiki.cli_report import TrialTable, fold_traceback
from rafiki.cli_tables import print_experiment
from rafiki.runner import RunnerState, RunOutcome
from rafiki.store import Store
from rafiki.trial_ranking import best_first_key, best_of
from rafiki.tuning import TuningEvent

from ..conftest import PROJECT_ROOT
from ..sdk.model_files.datasets import write_image_zip

SDK_MODELS = PROJECT_ROOT / "tests" / "sdk" / "model_files"
MISBEHAVING = SDK_MODELS / "misbehaving_model.py"
PRIOR = SDK_MODELS / "prior_image_model.py"
PRIOR_KNOBS = '{"smoothing": 1.0, "epochs": 1, "normalise": true, "kind": "prior"}'


def _rafiki_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "rafiki", *args]


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "RAFIKI_HOME": str(home), **extra}
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def _rafiki(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(_rafiki_argv(*args), capture_output=True, text=True, cwd=PROJECT_ROOT,
                          env=_env(home), timeout=timeout)


@pytest.fixture
def zips(tmp_path) -> tuple[str, str]:
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    return str(train), str(test)


# -- --help ------------------------------------------------------------------------------------

def _help_sections(text: str) -> dict[str, str]:
    sections: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line and not line.startswith(" ") and line.endswith(":"):
            name = line[:-1]
            sections[name] = ""
        elif name:
            sections[name] += line + "\n"
    return sections


def test_test_model_help_shows_its_required_flags_as_required(tmp_path):
    done = _rafiki("test-model", "--help", home=tmp_path)
    assert done.returncode == 0
    sections = _help_sections(done.stdout)
    for flag in ("--class", "--task", "--train", "--test"):
        assert flag in sections["required arguments"]
        assert flag not in sections["options"]
    assert "--knobs" in sections["options"]


def test_run_help_keeps_class_and_task_optional(tmp_path):
    sections = _help_sections(_rafiki("run", "--help", home=tmp_path).stdout)
    assert "--train" in sections["required arguments"]
    assert "--class" in sections["options"] and "--class" not in sections["required arguments"]


# -- tracebacks: the model's frames first ----------------------------------------------------

def test_a_model_error_shows_the_model_files_frames_first(tmp_path, zips):
    train, test = zips
    done = _rafiki("run", str(MISBEHAVING), "--class", "MisbehavingModel", "--train", train,
                   "--test", test, "--knobs", '{"fault": "train_raises"}', home=tmp_path)
    assert done.returncode == 1
    frames = re.findall(r'^  File "([^"]+)"', done.stderr, flags=re.MULTILINE)
    assert frames and frames[0] == str(MISBEHAVING)
    assert "lifecycle.py" not in done.stderr
    assert "  ... 2 workbench frames ..." in done.stderr
    assert 'raise ZeroDivisionError("division by zero in train")' in done.stderr
    assert done.stderr.rstrip().endswith("ZeroDivisionError: division by zero in train")


def _traceback_of(function) -> str:
    import traceback

    try:
        function()
    except Exception as exc:
        return "".join(traceback.format_exception(exc))
    raise AssertionError("no exception")


def test_folding_keeps_the_frame_that_raised_and_the_users_other_files(tmp_path):
    helper = tmp_path / "helper_module.py"
    helper.write_text("def read(uri):\n    from rafiki.model import dataset_utils\n"
                      "    return dataset_utils.load_dataset_of_image_files(uri)\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import helper_module

        text = _traceback_of(lambda: helper_module.read(str(tmp_path / "absent.zip")))
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("helper_module", None)
    folded = fold_traceback(text, str(helper))
    frames = re.findall(r'^  File "([^"]+)"', folded, flags=re.MULTILINE)
    assert [f for f in frames if f != __file__][0] == str(helper)  # after this test's frames
    assert "/rafiki/" in frames[-1]  # where it was raised, in the SDK, is kept
    assert re.search(r"^  \.\.\. \d+ workbench frames? \.\.\.$", folded, flags=re.MULTILINE)
    assert folded.splitlines()[-1] == text.splitlines()[-1]
    assert fold_traceback("no traceback here") == "no traceback here"


# -- a reader that goes away -------------------------------------------------------------------

def test_experiments_into_a_closed_pipe_ends_quietly(tmp_path):
    process = subprocess.Popen(_rafiki_argv("experiments"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=PROJECT_ROOT, env=_env(tmp_path))
    process.stdout.close()  # the reader is gone before anything is written
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_experiments_piped_into_head_prints_one_line_and_no_traceback(tmp_path):
    done = subprocess.run(
        ["bash", "-c", "set -o pipefail; \"$0\" -m rafiki experiments | head -1",
         sys.executable], capture_output=True, text=True, cwd=PROJECT_ROOT, env=_env(tmp_path),
        timeout=60)
    assert done.returncode in (0, 141)
    assert len(done.stdout.splitlines()) == 1
    assert done.stderr == ""


def test_a_run_into_a_closed_pipe_goes_on_quietly_and_is_stored(tmp_path):
    """The run's lines are printed from the runner's reader thread: a reader that went away
    there must not lose the run (it is stored completed) nor print a traceback."""
    from ..sdk.model_files.datasets import write_image_zip

    model = Path(__file__).parent / "store_models" / "quick_model.py"
    train = write_image_zip(tmp_path / "train.zip", [0, 1, 0, 1])
    test = write_image_zip(tmp_path / "test.zip", [0, 1])
    process = subprocess.Popen(
        _rafiki_argv("run", str(model), "--train", str(train), "--test", str(test), "--knobs",
                     '{"x": 0.3, "delay": 0}'),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=PROJECT_ROOT, env=_env(tmp_path))
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) in (0, 141)
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr, stderr
    listed = subprocess.run(_rafiki_argv("experiments", "show", "1"), capture_output=True,
                            text=True, cwd=PROJECT_ROOT, env=_env(tmp_path), timeout=60)
    assert re.search(r"^\s+1\s+completed\s+1\.0000", listed.stdout, flags=re.MULTILINE), \
        listed.stdout


# -- ties: one winner everywhere -----------------------------------------------------------------

def _finish(store: Store, trial_id: int, score: float | None, completed: bool = True) -> None:
    state = RunnerState.COMPLETED if completed else RunnerState.ERRORED
    store.finish_trial(trial_id, RunOutcome(
        state=state, result={"score": score} if completed else None,
        error=None if completed else {"stage": "train", "type": "E", "message": "m",
                                      "traceback": ""},
        exit_code=0, signal=None, crash_report=None, last_output=[], duration=0.1))


def test_tied_scores_name_the_lowest_numbered_trial_everywhere(rafiki_home, tmp_path, zips):
    model = tmp_path / "m.py"
    model.write_text("class M: pass\n")
    with Store() as store:
        experiment = store.create_experiment(
            model_file_path=str(model), model_class="M", task="IMAGE_CLASSIFICATION",
            train_dataset_uri=zips[0], test_dataset_uri=zips[1])
        trials = [store.start_trial(experiment.id, {"k": n}) for n in range(5)]
        finishing = [(trials[3], 0.9), (trials[1], 0.9), (trials[0], 0.4), (trials[2], 0.9),
                     (trials[4], None)]  # out of number order, as parallel trials finish
        table_out = _Text()
        table = TrialTable(out=table_out, live=False)
        for trial, score in finishing:
            _finish(store, trial.id, score, completed=score is not None)
            table(TuningEvent("trial_finished", trial.id, trial=store.trial(trial.id)))
        best = store.best_trial(experiment.id)
        assert best.number == trials[1].number == 2
        starred = [line for line in table_out.text.splitlines() if " *" in line]
        assert int(starred[-1].split()[0]) == best.number  # the last star is the winner
        ordered = store.trials(experiment.id, best_first=True)
        assert [t.number for t in ordered] == [2, 3, 4, 1, 5]
        assert sorted(store.trials(experiment.id), key=best_first_key) == ordered
        assert best_of(store.trials(experiment.id)).number == 2
        shown = _Text()
        print_experiment(store.get_experiment(experiment.id), ordered, out=shown)
        first_row = shown.text.split("knobs / error\n", 1)[1].splitlines()[0]
        assert first_row.split()[0] == "2"


class _Text:
    """A writable text stream that keeps what was written (not a terminal)."""

    def __init__(self):
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


TIE_MODEL = textwrap.dedent('''
    import time

    from rafiki.model import BaseModel, FloatKnob

    class TieModel(BaseModel):
        """Every knob scores the same: a tuning of it is all ties."""

        @staticmethod
        def get_knob_config():
            return {"pause": FloatKnob(0.0, 0.8)}

        def __init__(self, **knobs):
            super().__init__(**knobs)
            self._pause = knobs["pause"]

        def train(self, dataset_uri):
            time.sleep(self._pause)  # parallel trials finish out of number order

        def evaluate(self, dataset_uri):
            return 0.5

        def predict(self, queries):
            return [[0.5, 0.5] for _ in queries]

        def dump_parameters(self):
            return {}

        def load_parameters(self, params):
            pass

        def destroy(self):
            pass
''')


@pytest.mark.slow
def test_a_tuning_of_ties_reports_one_winner_in_table_summary_and_show(tmp_path, zips):
    model = tmp_path / "tie_model.py"
    model.write_text(TIE_MODEL)
    train, test = zips
    tuned = _rafiki("tune", str(model), "--train", train, "--test", test, "--trials", "4",
                    "--parallel", "2", "--seed", "3", home=tmp_path, timeout=300)
    assert tuned.returncode == 0, tuned.stderr
    best = int(re.search(r"Best: trial (\d+)", tuned.stdout).group(1))
    rows = [line.split() for line in tuned.stdout.splitlines()
            if re.match(r"^\s+\d+\s+completed", line)]
    assert len(rows) == 4 and best == min(int(row[0]) for row in rows)
    starred = [int(row[0]) for row in rows if "*" in row]
    assert starred[-1] == best
    experiment = re.search(r"rafiki experiments show (\d+)", tuned.stdout).group(1)
    shown = _rafiki("experiments", "show", experiment, home=tmp_path)
    first_row = shown.stdout.split("knobs / error\n", 1)[1].splitlines()[0]
    assert int(first_row.split()[0]) == best


# -- colours -------------------------------------------------------------------------------------

def _test_model_argv(zips) -> list[str]:
    return _rafiki_argv("test-model", str(PRIOR), "--class", "PriorImageModel", "--task",
                        "IMAGE_CLASSIFICATION", "--train", zips[0], "--test", zips[1],
                        "--knobs", PRIOR_KNOBS)


def _on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``argv`` with its stdout on a pseudo-terminal; its exit code and what it showed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(argv, stdout=terminal, stderr=subprocess.DEVNULL,
                               stdin=subprocess.DEVNULL, cwd=PROJECT_ROOT, env=env)
    os.close(terminal)
    shown = b""
    while True:
        ready, _, _ = select.select([controller], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    return process.wait(timeout=60), shown.decode("utf-8", "replace")


def test_colours_only_on_a_terminal_and_never_with_no_color(tmp_path, zips):
    piped = subprocess.run(_test_model_argv(zips), capture_output=True, text=True,
                           cwd=PROJECT_ROOT, env=_env(tmp_path), timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert "The model definition is valid!" in piped.stdout
    assert "\033[" not in piped.stdout

    code, shown = _on_a_terminal(_test_model_argv(zips), _env(tmp_path))
    assert code == 0
    assert "\033[94mThe model definition is valid!\033[0m" in shown

    code, shown = _on_a_terminal(_test_model_argv(zips), _env(tmp_path, NO_COLOR="1"))
    assert code == 0
    assert "The model definition is valid!" in shown and "\033[" not in shown
