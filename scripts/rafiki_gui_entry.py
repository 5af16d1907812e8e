"""Entry point of the packaged app: the GUI, or, re-invoked with --rafiki-runner, a runner child.

A frozen binary has no ``python -m``; the runner starts its children as this executable with
``--rafiki-runner`` (see rafiki.runner.child_command), dispatched here before Qt is imported.
"""

import multiprocessing
import sys


def main() -> None:
    multiprocessing.freeze_support()
    if len(sys.argv) > 1 and sys.argv[1] == "--rafiki-runner":
        from rafiki.runner.child import main as runner_main

        runner_main(sys.argv[2:])
        return
    from rafiki_gui.app import main as gui_main

    sys.exit(gui_main(sys.argv[1:]))


if __name__ == "__main__":
    main()
