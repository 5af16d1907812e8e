"""Screenshots as a user sees the workbench: an X server (Xvfb) of the given size, the real
``rafiki-gui`` on it, and a grab of the whole screen once the run has ended (with --run) or
the window has settled. The window sizes itself to the screen, as on a user's desktop.

    python scripts/screenshot_x_server.py docs/screenshots/gui-1600x1000.png --size 1600x1000 \\
        -- --run --train ~/datasets/digits_train.zip --test ~/datasets/digits_test.zip
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTLE_S = 3.0
"""After the run ended (or the window opened): time for the last events to paint."""
RUN_TIMEOUT_S = 600
GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)
"""


def stop(process: subprocess.Popen) -> None:
    """End a process this script started, by its pid."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output")
    parser.add_argument("--size", default="1600x1000", help="the screen, WIDTHxHEIGHT")
    args, gui_args = parser.parse_known_args()  # after --: rafiki-gui's own arguments
    args.gui_args = [a for a in gui_args if a != "--"]
    xvfb_path = shutil.which("Xvfb")
    if xvfb_path is None:
        print("Xvfb is not installed (apt-get install xvfb)", file=sys.stderr)
        return 1
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen([xvfb_path, "-displayfd", str(write_end), "-screen", "0",
                             f"{args.size}x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                            stderr=subprocess.DEVNULL)
    os.close(write_end)
    gui = None
    try:
        with os.fdopen(read_end) as announced:
            display = ":" + announced.readline().strip()
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env["DISPLAY"] = display
        env.setdefault("RAFIKI_HOME", tempfile.mkdtemp(prefix="rafiki-screenshot-"))
        command = Path(sys.executable).with_name("rafiki-gui")
        gui = subprocess.Popen([str(command), *args.gui_args], env=env, text=True,
                               stdout=subprocess.PIPE)
        if "--run" in args.gui_args:
            deadline = time.monotonic() + RUN_TIMEOUT_S
            for line in gui.stdout:
                print(line, end="")
                if line.startswith("run finished:") or time.monotonic() > deadline:
                    break
        time.sleep(SETTLE_S)
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        grabbed = subprocess.run([sys.executable, "-c", GRAB, args.output], env=env)
        return grabbed.returncode
    finally:
        if gui is not None:
            stop(gui)
        stop(xvfb)


if __name__ == "__main__":
    sys.exit(main())
