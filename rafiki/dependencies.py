"""A model's ``dependencies`` against what an interpreter has installed, and the pip command.

Rafiki installed every dependency with ``os.system('pip install ...')`` before each test run,
silently changing the user's environment. Here nothing is installed unless asked: the check
reads :mod:`importlib.metadata` (in this interpreter, or in another one through a tiny child
script) and reports what is absent or of another version, with the exact command that fixes it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata

from .constants import ModelDependency

# Rafiki's dependency names -> the pip package that provides them. Names not listed are taken
# as pip names already (Rafiki did the same).
PIP_NAMES: dict[str, str] = {
    ModelDependency.TENSORFLOW: "tensorflow",
    ModelDependency.KERAS: "keras",
    ModelDependency.SCIKIT_LEARN: "scikit-learn",
    ModelDependency.TORCH: "torch",
    ModelDependency.TORCHVISION: "torchvision",
    ModelDependency.SINGA: "singa",
    ModelDependency.XGBOOST: "xgboost",
    ModelDependency.DS_CTCDECODER: "ds-ctcdecoder",
}

_VERSIONS_SCRIPT = (
    "import json, sys\n"
    "from importlib import metadata\n"
    "out = {}\n"
    "for name in json.loads(sys.argv[1]):\n"
    "    try:\n"
    "        out[name] = metadata.version(name)\n"
    "    except metadata.PackageNotFoundError:\n"
    "        out[name] = None\n"
    "print(json.dumps(out))\n"
)


@dataclass(frozen=True)
class MissingDependency:
    """A dependency that is absent (``installed`` None) or installed at another version."""

    name: str
    wanted: str
    installed: str | None

    @property
    def pip_name(self) -> str:
        return pip_name(self.name)

    @property
    def is_absent(self) -> bool:
        return self.installed is None

    def describe(self) -> str:
        wanted = f"{self.pip_name}=={self.wanted}" if self.wanted else self.pip_name
        if self.installed is None:
            return f"{wanted} is not installed"
        return f"{wanted} is wanted but {self.installed} is installed"


def pip_name(dependency: str) -> str:
    """The pip package that provides a Rafiki dependency name."""
    return PIP_NAMES.get(dependency, dependency)


def check_dependencies_shape(dependencies: object) -> dict[str, str]:
    """``dependencies`` as a dict of str to str, or a TypeError saying what is wrong."""
    if dependencies is None:
        return {}
    if not isinstance(dependencies, dict):
        raise TypeError(
            f"`dependencies` should be a dict[str, str], got {type(dependencies).__name__}"
        )
    bad = [k for k, v in dependencies.items() if not isinstance(k, str) or not isinstance(v, str)]
    if bad:
        raise TypeError(
            f"`dependencies` should be a dict[str, str]; entry {bad[0]!r} is "
            f"{dependencies[bad[0]]!r}"
        )
    return dict(dependencies)


def installed_versions(names: list[str], python: str | None = None) -> dict[str, str | None]:
    """Installed version of each pip package in ``names`` (None when absent).

    With ``python`` (a path to another interpreter) the lookup runs there, in a child process.
    """
    if python is None:
        found: dict[str, str | None] = {}
        for name in names:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                found[name] = None
        return found
    try:
        done = subprocess.run(
            [python, "-c", _VERSIONS_SCRIPT, json.dumps(names)],
            capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"Could not run the interpreter {python}: {exc}") from exc
    if done.returncode != 0:
        raise RuntimeError(
            f"The interpreter {python} failed to report its packages "
            f"(exit code {done.returncode}): {done.stderr.strip()[-500:]}"
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _same_version(wanted: str, installed: str) -> bool:
    """Whether ``installed`` satisfies ``wanted`` (a version, a specifier, or empty/'*')."""
    if not wanted or wanted.strip() == "*":
        return True
    try:
        from packaging.specifiers import SpecifierSet
        from packaging.version import Version

        if wanted.strip()[0] in "<>=!~":
            return Version(installed) in SpecifierSet(wanted)
        return Version(installed) == Version(wanted)
    except Exception:  # packaging absent or a non-PEP 440 version: compare the text
        return installed.strip() == wanted.strip().lstrip("=")


def missing_dependencies(
    dependencies: dict[str, str], python: str | None = None
) -> list[MissingDependency]:
    """The dependencies not installed, or installed at another version, in ``python``."""
    dependencies = check_dependencies_shape(dependencies)
    names = [pip_name(dep) for dep in dependencies]
    versions = installed_versions(names, python)
    missing = []
    for dep, wanted in dependencies.items():
        installed = versions.get(pip_name(dep))
        if installed is None or not _same_version(wanted, installed):
            missing.append(MissingDependency(dep, wanted, installed))
    return missing


def _requirement(dependency: str, version: str) -> str:
    name = pip_name(dependency)
    if not version or version.strip() == "*":
        return name
    version = version.strip()
    return f"{name}{version}" if version[0] in "<>=!~" else f"{name}=={version}"


def install_arguments(dependencies: dict[str, str], python: str | None = None) -> list[str]:
    """The argv of the pip command that installs ``dependencies`` into ``python``."""
    dependencies = check_dependencies_shape(dependencies)
    python = python or sys.executable
    return [python, "-m", "pip", "install"] + [
        _requirement(dep, ver) for dep, ver in dependencies.items()
    ]


def install_command(dependencies: dict[str, str], python: str | None = None) -> str:
    """The exact shell command, e.g. ``"/usr/bin/python3" -m pip install "scikit-learn==1.3.0"``."""
    python, *rest = install_arguments(dependencies, python)
    quoted = [f'"{arg}"' for arg in rest[3:]]
    return " ".join([f'"{python}"', "-m", "pip", "install", *quoted])


def install(
    dependencies: dict[str, str], python: str | None = None
) -> subprocess.CompletedProcess:
    """Install ``dependencies`` into ``python`` with pip; only ever called on the user's request."""
    arguments = install_arguments(dependencies, python)
    if len(arguments) == 4:
        return subprocess.CompletedProcess(arguments, 0, "", "")
    arguments.insert(4, "--disable-pip-version-check")  # no network call but the install
    return subprocess.run(arguments, capture_output=True, text=True)


def parse_model_install_command(dependencies: dict[str, str], enable_gpu: bool = False) -> str:
    """Rafiki's install command for ``dependencies``, as its workers ran it: one
    ``pip install NAME==VERSION`` per dependency (``conda install`` for SINGA), joined by
    ``; ``. Kept for scripts that call it; the workbench shows :func:`install_command`, which
    names the interpreter and is checked against what pip can install."""
    conda_env = os.environ.get("CONDA_ENVIORNMENT")  # sic: Rafiki's variable name
    commands = []
    for dependency, version in dependencies.items():
        if dependency == ModelDependency.KERAS:
            commands.append(f"pip install Keras=={version}")
        elif dependency == ModelDependency.TORCH:
            commands.append(f"pip install torch=={version}")
        elif dependency == ModelDependency.TORCHVISION:
            commands.append(f"pip install torchvision=={version}")
        elif dependency == ModelDependency.SCIKIT_LEARN:
            commands.append(f"pip install scikit-learn=={version}")
        elif dependency == ModelDependency.TENSORFLOW:
            package = "tensorflow-gpu" if enable_gpu else "tensorflow"
            commands.append(f"pip install {package}=={version}")
        elif dependency == ModelDependency.SINGA:
            options = "-y -c nusdbsystem" + (f" -n {conda_env}" if conda_env is not None else "")
            package = "singa-gpu" if enable_gpu else "singa-cpu"
            commands.append(f"conda install {options} {package}={version}")
        else:  # taken as the exact pip package name, as Rafiki did
            commands.append(f"pip install {dependency}=={version}")
    return "; ".join(commands)
