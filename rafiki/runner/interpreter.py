"""Can another Python run models for this workbench? Check it, and say what to install.

A model's dependencies often live in their own venv or conda env. The runner can use that
interpreter if it imports a compatible ``rafiki``: either installed there, or the workbench's
own SDK put on its path. What is missing is reported with the exact command, never installed
without being asked.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import tempfile
from dataclasses import dataclass, field

import rafiki

from ..dependencies import (
    MissingDependency,
    PinCheck,
    check_missing_installable,
    install_advice,
    install_command,
    installable_part,
    missing_dependencies,
)
from .child_command import child_environment, sdk_source_root, uses_own_interpreter

SDK_REQUIREMENTS = {"numpy": "numpy", "PIL": "pillow"}  # module -> pip name
MIN_PYTHON = (3, 10)

_PROBE = (
    "import json, sys\n"
    "out = {'version': '.'.join(map(str, sys.version_info[:3])), 'rafiki': None,\n"
    "       'rafiki_file': None, 'missing': []}\n"
    "try:\n"
    "    import rafiki\n"
    "    out['rafiki'] = getattr(rafiki, '__version__', '?')\n"
    "    out['rafiki_file'] = rafiki.__file__\n"
    "except Exception as exc:\n"
    "    out['rafiki_error'] = repr(exc)\n"
    "for module in json.loads(sys.argv[1]):\n"
    "    try:\n"
    "        __import__(module)\n"
    "    except Exception:\n"
    "        out['missing'].append(module)\n"
    "print(json.dumps(out))\n"
)


@dataclass
class InterpreterReport:
    """What an interpreter has and lacks for running this workbench's models."""

    python: str
    version: str | None = None
    rafiki_version: str | None = None
    rafiki_source: str | None = None  # "installed" or "workbench source"
    missing_modules: list[str] = field(default_factory=list)
    missing_dependencies: list[MissingDependency] = field(default_factory=list)
    pin_checks: dict[str, PinCheck] = field(default_factory=dict)  # what pip says of those
    error: str | None = None

    @property
    def python_ok(self) -> bool:
        if not self.version:
            return False
        return tuple(int(p) for p in self.version.split(".")[:2]) >= MIN_PYTHON

    @property
    def ok(self) -> bool:
        """True when models can run there (version differences of dependencies only warn)."""
        absent = [d for d in self.missing_dependencies if d.is_absent]
        return (self.error is None and self.python_ok and self.rafiki_source is not None
                and not self.missing_modules and not absent)

    @property
    def needs_source_path(self) -> bool:
        return self.rafiki_source == "workbench source"

    def check_pins(self) -> None:
        """Ask pip whether it can install each missing dependency's pin into this Python (a
        dry run per pin, seconds with a package index, "not verified" without one); done only
        when something is missing."""
        from .child_command import uses_own_interpreter

        if self.missing_dependencies and not self.pin_checks:
            self.pin_checks = check_missing_installable(
                self.missing_dependencies,
                None if uses_own_interpreter(self.python) else self.python, self.version)

    def _sdk_install_command(self) -> str | None:
        if not self.missing_modules:
            return None
        packages = " ".join(SDK_REQUIREMENTS.get(m, m) for m in self.missing_modules)
        return f"{shlex.quote(self.python)} -m pip install {packages}"

    def install_commands(self) -> list[str]:
        """The exact commands that fill what is missing, leaving out the pins pip said it
        cannot install there."""
        commands = [command for command in [self._sdk_install_command()] if command]
        wanted = installable_part(self.missing_dependencies, self.pin_checks)
        if wanted:
            commands.append(install_command(wanted, self.python))
        return commands

    def describe(self) -> str:
        """A few lines a person can act on."""
        if self.error:
            return f"{self.python}: {self.error}"
        lines = [f"{self.python}: Python {self.version}"]
        if not self.python_ok:
            lines.append(f"Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer is needed")
        if self.rafiki_source:
            lines.append(f"rafiki {self.rafiki_version} ({self.rafiki_source})")
        else:
            lines.append("rafiki is not importable there")
        if self.missing_modules:
            lines.append("missing for the rafiki SDK: " + ", ".join(
                SDK_REQUIREMENTS.get(m, m) for m in self.missing_modules))
        for dependency in self.missing_dependencies:
            lines.append("model dependency " + dependency.describe())
        sdk_command = self._sdk_install_command()
        if sdk_command:
            lines.append(f"install with: {sdk_command}")
        lines += install_advice(self.missing_dependencies, self.pin_checks, self.python)
        return "\n".join(lines)


def _probe(python: str, extra_env: dict[str, str] | None, timeout: float) -> dict:
    done = subprocess.run(
        [python, "-c", _PROBE, json.dumps(list(SDK_REQUIREMENTS))], capture_output=True,
        text=True, timeout=timeout, env=child_environment(python, extra_env),
        cwd=tempfile.gettempdir(),  # not this folder: a source checkout there would mask the truth
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip()
                           else f"exited with code {done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _compatible(version: str | None) -> bool:
    return bool(version) and version.split(".")[:2] == rafiki.__version__.split(".")[:2]


def check_interpreter(python: str | None, dependencies: dict[str, str] | None = None,
                      timeout: float = 60, check_pins: bool = True) -> InterpreterReport:
    """Check ``python`` (None: this one): Python, rafiki, the SDK's needs, ``dependencies``;
    with ``check_pins``, also ask pip whether it can install what is missing (see
    :meth:`InterpreterReport.check_pins`)."""
    import sys

    python = python or sys.executable
    report = InterpreterReport(python=python)
    try:
        if uses_own_interpreter(python):
            facts = {"version": ".".join(map(str, sys.version_info[:3])),
                     "rafiki": rafiki.__version__, "missing": []}
        else:
            facts = _probe(python, None, timeout)
            if not _compatible(facts.get("rafiki")):
                facts = _probe(python, {"PYTHONPATH": sdk_source_root()}, timeout)
                if facts.get("rafiki"):
                    facts["source"] = "workbench source"
    except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as exc:
        report.error = f"cannot run this interpreter: {exc}"
        return report
    report.version = facts.get("version")
    report.rafiki_version = facts.get("rafiki")
    if _compatible(report.rafiki_version):
        report.rafiki_source = facts.get("source", "installed")
    report.missing_modules = list(facts.get("missing") or [])
    if dependencies:
        try:
            report.missing_dependencies = missing_dependencies(
                dependencies, python=None if uses_own_interpreter(python) else python)
        except Exception as exc:  # a broken interpreter or a malformed dependencies dict
            report.error = f"cannot check the model's dependencies: {exc}"
    if check_pins:
        report.check_pins()
    return report


def sdk_environment(python: str | None) -> dict[str, str]:
    """What a child in ``python`` needs in its environment to import a compatible ``rafiki``:
    the workbench's source on its path when that Python has none of its own, else nothing."""
    if uses_own_interpreter(python):
        return {}
    report = check_interpreter(python)
    return {"PYTHONPATH": sdk_source_root()} if report.needs_source_path else {}
