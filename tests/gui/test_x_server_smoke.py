"""The workbench under a real X server, as a user starts it: Xvfb on a display of its own,
``rafiki-gui --run`` on it with the bundled example, then a grab of the whole screen.

Everything else runs offscreen; this is the one place the xcb platform plugin, a real screen
and the window's own sizing meet. Skipped only when Xvfb is not installed (CI installs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

XVFB = shutil.which("Xvfb")
SCREEN = (1366, 768)
RUN_TIMEOUT_S = 240
START_TIMEOUT_S = 30
ROOT_BACKGROUND = (0, 0, 0)  # Xvfb's root window: what shows where no window covers it
COMPLETED_GREEN = (0x43, 0xA0, 0x47)  # the strip's "Completed"

pytestmark = [pytest.mark.skipif(XVFB is None, reason="Xvfb is not installed"),
              pytest.mark.slow]

GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
screen = app.primaryScreen()
image = screen.grabWindow(0)
sys.exit(0 if image.save(sys.argv[1]) else 1)
"""


def _stop(process: subprocess.Popen | None, grace: float = 15.0) -> None:
    """End a process this test started, by its pid: SIGTERM, then SIGKILL."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@pytest.fixture
def display(tmp_path):
    """An Xvfb display of its own (Xvfb picks a free number: -displayfd), no TCP."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(
        [XVFB, "-displayfd", str(write_end), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp", "-noreset"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    os.close(write_end)
    try:
        with os.fdopen(read_end) as announced:
            number = announced.readline().strip()  # written once the server accepts clients
        assert number.isdigit(), f"Xvfb did not start: {xvfb.stderr.read().decode()[-2000:]}"
        yield f":{number}"
    finally:
        _stop(xvfb)


def _gui_command() -> list[str]:
    script = Path(sys.executable).with_name("rafiki-gui")  # the installed command
    return [str(script)] if script.exists() else [sys.executable, "-m", "rafiki_gui"]


def _x_env(display: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP")}
    env.update(DISPLAY=display, RAFIKI_HOME=str(home))
    return env


def test_the_bundled_example_runs_on_a_real_x_server(display, tmp_path):
    from PySide6.QtGui import QImage

    env = _x_env(display, tmp_path / "home")
    gui = subprocess.Popen(_gui_command() + ["--run"], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        finished = ""
        for line in gui.stdout:  # the launcher says how the run ended
            if line.startswith("run finished:"):
                finished = line.strip()
                break
        assert finished == "run finished: completed" or \
            finished.startswith("run finished: completed, score"), \
            f"{finished!r}; exit {gui.poll()}; {gui.stderr.read()[-3000:] if gui.poll() else ''}"
        shot = tmp_path / "screen.png"
        grabbed = subprocess.run([sys.executable, "-c", GRAB, str(shot)], env=env,
                                 capture_output=True, text=True, timeout=START_TIMEOUT_S)
        assert grabbed.returncode == 0, grabbed.stderr[-2000:]
    finally:
        _stop(gui)
    assert gui.returncode == 0  # SIGTERM closed the window as Quit does

    image = QImage(str(shot))
    assert (image.width(), image.height()) == SCREEN
    step = 4
    pixels = [image.pixelColor(x, y) for y in range(0, SCREEN[1], step)
              for x in range(0, SCREEN[0], step)]
    uncovered = sum(1 for c in pixels if (c.red(), c.green(), c.blue()) == ROOT_BACKGROUND)
    assert uncovered / len(pixels) < 0.02, "the window does not fill the screen"
    colours = {c.rgb() for c in pixels}
    assert len(colours) > 20, "the screen shows no window content"
    strip = [image.pixelColor(x, y) for y in range(SCREEN[1] - 90, SCREEN[1])
             for x in range(0, SCREEN[0] // 2)]
    assert any(_near(c, COMPLETED_GREEN) for c in strip), \
        "no green 'Completed' in the status strip at the bottom of the screen"


def _near(colour, rgb: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip((colour.red(), colour.green(),
                                                       colour.blue()), rgb, strict=True))
