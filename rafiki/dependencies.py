"""A model's ``dependencies`` against what an interpreter has installed, and the pip command.

Rafiki installed every dependency with ``os.system('pip install ...')`` before each test run,
silently changing the user's environment. Here nothing is installed unless asked: the check
reads :mod:`importlib.metadata` (in this interpreter, or in another one through a tiny child
script) and reports what is absent or of another version, with the exact command that fixes it.
Before that command is shown, pip itself says (a dry run) whether it can install each pin on
that Python: Rafiki's models pinned versions such as ``tensorflow==1.12.0`` that no current
Python can install, and a command that can only fail is worse than saying so.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import threading
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


PIP_CHECK_TIMEOUT = 45.0  # seconds for one dry run; a reachable index answers in 2-5 s
_NO_MATCH = "No matching distribution found"
_OFFERED = re.compile(r"\(from versions: ([^)]*)\)")
_UNREACHABLE = ("Retrying (", "after connection broken by", "NewConnectionError",
                "Failed to establish a new connection", "Temporary failure in name resolution",
                "Network is unreachable", "ProxyError", "SSLError", "ConnectTimeout",
                "ReadTimeout")


@dataclass(frozen=True)
class PinCheck:
    """What pip says of installing one requirement: ``installable`` True or False, or None
    when it could not be verified (no index answered, pip absent or too old)."""

    requirement: str
    installable: bool | None
    detail: str = ""

    def describe(self) -> str:
        if self.installable is False:
            return f"{self.requirement} cannot be installed: {self.detail}"
        if self.installable is None:
            return f"{self.requirement} could not be verified: {self.detail}"
        return f"{self.requirement} can be installed"


_verdicts: dict[tuple, PinCheck] = {}  # (python, requirement, pip settings) -> definite answer
_verdicts_lock = threading.Lock()


def _pip_argv(python: str | None) -> list[str]:
    """The argv prefix of pip for ``python``: its own pip, else (from source) this one's pip
    run against it with ``--python``."""
    target = python or sys.executable
    if _has_pip(target):
        return [target, "-m", "pip"]
    frozen = bool(getattr(sys, "frozen", False))
    if not frozen and os.path.abspath(target) != os.path.abspath(sys.executable) and \
            _has_pip(sys.executable):
        return [sys.executable, "-m", "pip", "--python", target]
    return []


def _has_pip(python: str) -> bool:
    if getattr(sys, "frozen", False) and os.path.abspath(python) == os.path.abspath(
            sys.executable):
        return False  # the packaged app is not a Python that has pip
    try:
        done = subprocess.run([python, "-m", "pip", "--version"], capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _verdict_of(requirement: str, done: subprocess.CompletedProcess, where: str) -> PinCheck:
    """pip's dry run, read: installable, impossible (with what pip offers), or unverified."""
    if done.returncode == 0:
        return PinCheck(requirement, True)
    output = f"{done.stdout}\n{done.stderr}"
    if any(marker in output for marker in _UNREACHABLE):
        return PinCheck(requirement, None, "pip could not reach a package index (offline?)")
    if "no such option: --dry-run" in output:
        return PinCheck(requirement, None, "this pip is too old for a dry run (pip 22.2+)")
    if _NO_MATCH in output:
        offered = _OFFERED.search(output)
        versions = [v.strip() for v in offered.group(1).split(",")] if offered else []
        versions = [v for v in versions if v and v != "none"]
        if versions:
            shown = ", ".join(versions) if len(versions) <= 6 else \
                f"{', '.join(versions[:2])} … {', '.join(versions[-3:])}"
            return PinCheck(requirement, False,
                            f"pip finds no such version for {where} (it offers {shown})")
        return PinCheck(requirement, False, f"pip finds no version of it for {where}")
    errors = [line for line in output.splitlines() if line.startswith("ERROR:")]
    reason = errors[-1][len("ERROR:"):].strip() if errors else \
        f"pip exited with code {done.returncode}"
    return PinCheck(requirement, False, f"pip's dry run fails for {where}: {reason}")


def check_installable(requirements: list[str], python: str | None = None,
                      python_version: str | None = None,
                      timeout: float = PIP_CHECK_TIMEOUT) -> dict[str, PinCheck]:
    """Whether pip can install each requirement (``"tensorflow==1.12.0"``) into ``python``.

    One ``pip install --dry-run --no-deps`` per requirement, which asks the package index and
    installs nothing; pip's own configuration (index, find-links) applies. Without an index
    in reach the answer is None ("could not be verified") within ``timeout``, never a hang.
    Definite answers are remembered for this process.
    """
    target = python or sys.executable
    where = f"Python {python_version or platform.python_version()}"
    pip_settings = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("PIP_")))
    found: dict[str, PinCheck] = {}
    pip: list[str] | None = None
    for requirement in requirements:
        key = (target, requirement, pip_settings)  # another index may answer otherwise
        with _verdicts_lock:
            known = _verdicts.get(key)
        if known is not None:
            found[requirement] = known
            continue
        if pip is None:
            pip = _pip_argv(python)
        if not pip:
            found[requirement] = PinCheck(requirement, None, f"{target} has no pip")
            continue
        try:
            done = subprocess.run(
                [*pip, "install", "--dry-run", "--no-deps", "--ignore-installed",
                 "--disable-pip-version-check", "--no-input", "--retries", "1",
                 "--timeout", "10", requirement],
                capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            found[requirement] = PinCheck(requirement, None,
                                          f"pip did not answer within {timeout:g} s")
            continue
        except OSError as exc:
            found[requirement] = PinCheck(requirement, None, f"cannot run pip: {exc}")
            continue
        verdict = _verdict_of(requirement, done, where)
        found[requirement] = verdict
        if verdict.installable is not None:
            with _verdicts_lock:
                _verdicts[key] = verdict
    return found


def check_missing_installable(missing: list[MissingDependency], python: str | None = None,
                              python_version: str | None = None) -> dict[str, PinCheck]:
    """:func:`check_installable` for the requirements of ``missing``, keyed by dependency."""
    requirements = {m.name: requirement_of(m.name, m.wanted) for m in missing}
    checks = check_installable(sorted(set(requirements.values())), python, python_version)
    return {name: checks[requirement] for name, requirement in requirements.items()}


def installable_part(missing: list[MissingDependency],
                     checks: dict[str, PinCheck]) -> dict[str, str]:
    """The dependencies of ``missing`` an install command should name: all but those pip
    said it cannot install."""
    return {m.name: m.wanted for m in missing
            if getattr(checks.get(m.name), "installable", None) is not False}


def install_advice(missing: list[MissingDependency], checks: dict[str, PinCheck],
                   python: str | None = None) -> list[str]:
    """Lines a person can act on: each pin pip cannot install, then the command for the rest
    (marked when pip could not verify it)."""
    lines = [checks[m.name].describe() for m in missing
             if getattr(checks.get(m.name), "installable", None) is False]
    rest = installable_part(missing, checks)
    if rest:
        unverified = [checks[name].detail for name in rest
                      if getattr(checks.get(name), "installable", True) is None]
        note = f" (not verified: {unverified[0]})" if unverified else ""
        lines.append(f"install with: {install_command(rest, python)}{note}")
    return lines


def requirement_of(dependency: str, version: str) -> str:
    """The pip requirement of one dependency: ``name==version``, a specifier, or the name."""
    return _requirement(dependency, version)


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
