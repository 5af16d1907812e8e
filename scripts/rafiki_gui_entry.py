"""Entry point of the packaged app: the window, or, re-invoked with --rafiki-runner, a runner child.

A frozen binary has no ``python -m``: the runner starts its children as this very executable
with ``--rafiki-runner JOB CHANNEL_FD [REQUEST_FD]`` (rafiki.runner.child_command). That mode is
dispatched here before anything imports Qt (``rafiki_gui`` does, on import), so a child starts
fast, needs no display, and keeps the model's process free of a GUI toolkit.
"""

import multiprocessing
import sys

RUNNER_FLAG = "--rafiki-runner"  # rafiki.runner.child_command.FROZEN_RUNNER_FLAG


def main(argv: list[str] | None = None) -> int:
    """Dispatch on the command line; returns the GUI's exit code (a runner child exits itself)."""
    multiprocessing.freeze_support()  # must run first: a multiprocessing child exits in here
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [RUNNER_FLAG]:
        from rafiki.runner.child import main as runner_main

        runner_main(args[1:])
        return 0
    from rafiki_gui.app import main as gui_main

    return gui_main(args)


if __name__ == "__main__":
    sys.exit(main())
