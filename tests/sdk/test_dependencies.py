"""Dependencies checked against real installed packages, here and in another interpreter."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest

from rafiki.constants import ModelDependency
from rafiki.dependencies import (
    MissingDependency,
    install,
    install_command,
    installed_versions,
    missing_dependencies,
    pip_name,
)

NUMPY = metadata.version("numpy")


def test_installed_matching_versions_are_not_missing():
    assert missing_dependencies({"numpy": NUMPY, "optuna": ""}) == []
    assert missing_dependencies({"numpy": f">={NUMPY}"}) == []
    assert missing_dependencies({}) == []


def test_absent_and_other_versions_are_reported():
    missing = missing_dependencies({"rafiki-no-such-dist": "1.0", "numpy": "0.0.1",
                                    ModelDependency.SCIKIT_LEARN: "0.0.1"})
    assert missing[0] == MissingDependency("rafiki-no-such-dist", "1.0", None)
    assert missing[0].is_absent
    assert missing[1] == MissingDependency("numpy", "0.0.1", NUMPY)
    assert missing[1].describe() == f"numpy==0.0.1 is wanted but {NUMPY} is installed"
    assert missing[2].installed == metadata.version("scikit-learn")


def test_rafiki_dependency_names_map_to_pip_names():
    assert pip_name(ModelDependency.KERAS) == "keras"
    assert pip_name(ModelDependency.PYTORCH) == "torch"
    assert pip_name(ModelDependency.SCIKIT_LEARN) == "scikit-learn"
    assert pip_name("lightgbm") == "lightgbm"


def test_install_command_is_exact():
    command = install_command({ModelDependency.SCIKIT_LEARN: "1.3.0", ModelDependency.KERAS:
                               "2.2.4", "tqdm": "", "rich": ">=13"}, "/opt/py/bin/python")
    assert command == ('"/opt/py/bin/python" -m pip install "scikit-learn==1.3.0" '
                       '"keras==2.2.4" "tqdm" "rich>=13"')
    assert install_command({"numpy": "1.26.4"}).startswith(f'"{sys.executable}" -m pip')


def test_another_interpreter_is_asked_in_a_child_process():
    here = installed_versions(["numpy", "rafiki-no-such-dist"])
    there = installed_versions(["numpy", "rafiki-no-such-dist"], python=sys.executable)
    assert here == there == {"numpy": NUMPY, "rafiki-no-such-dist": None}
    assert missing_dependencies({"numpy": "0.0.1"}, python=sys.executable)[0].installed == NUMPY


def test_an_unusable_interpreter_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="Could not run the interpreter"):
        installed_versions(["numpy"], python=str(tmp_path / "no-python"))


def test_dependencies_must_be_a_dict_of_strings():
    with pytest.raises(TypeError, match="dict\\[str, str\\], got list"):
        missing_dependencies(["numpy"])
    with pytest.raises(TypeError, match="entry 'numpy' is 1"):
        install_command({"numpy": 1})


def test_install_runs_pip_only_when_asked():
    assert install({}).returncode == 0  # nothing to install: pip is not even started
    # an already-satisfied requirement: pip runs for real, offline, and changes nothing
    done = install({"numpy": NUMPY})
    assert done.returncode == 0, done.stderr
    assert metadata.version("numpy") == NUMPY
    assert isinstance(done, subprocess.CompletedProcess)
