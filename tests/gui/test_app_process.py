"""The `statusdesk` program as packaging and the README use it: --smoke and --screenshot.

The screenshot test runs the app on a real X server (Xvfb, started here on a free display)
through Qt's xcb plugin, the way it runs on a desktop.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from gui.window_picture import SCREENSHOT_SIZE


def run_app(args: list[str], env: dict[str, str],
            timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gui.app", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_smoke_opens_paints_and_exits_zero(statusdesk_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = run_app(["--smoke"], env)
    assert done.returncode == 0, done.stderr
    assert not list(statusdesk_home.iterdir())  # looking writes nothing


@pytest.fixture
def xvfb_display() -> Iterator[str]:
    """A private Xvfb on a display it picks itself (-displayfd), stopped afterwards."""
    read_end, write_end = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-screen", "0", "1600x1000x24",
         "-nolisten", "tcp"],
        pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 15)
        number = os.read(read_end, 16).decode().strip() if ready else ""
        if not number:
            pytest.fail("Xvfb did not report a display within 15 s")
        yield f":{number}"
    finally:
        os.close(read_end)
        server.terminate()
        server.wait(10)


@pytest.mark.xvfb
def test_screenshot_under_xvfb(xvfb_display, statusdesk_home, tmp_path):
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    smoke = run_app(["--smoke"], env)
    assert smoke.returncode == 0, smoke.stderr

    target = tmp_path / "window.png"
    shot = run_app(["--screenshot", str(target)], env)
    assert shot.returncode == 0, shot.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == SCREENSHOT_SIZE
    # The green "Done" banner of the SuperOffice exchange is on it, near the top right.
    colours = {image.pixelColor(x, y).name()
               for x in range(image.width() // 4, image.width()) for y in range(20, 70, 2)}
    assert sum(_greenish(c) for c in colours) > 3, sorted(colours)
    assert not list(Path(statusdesk_home).iterdir())  # the user's folder was not touched
    assert shot.stderr == "", shot.stderr  # no Qt warning on a real X server

    # High-DPI: at scale 2 every pixel doubles and nothing complains.
    sharp = tmp_path / "window@2x.png"
    shot = run_app(["--screenshot", str(sharp)], {**env, "QT_SCALE_FACTOR": "2"})
    assert shot.returncode == 0 and shot.stderr == "", shot.stderr
    image = QImage(str(sharp))
    assert (image.width(), image.height()) == (SCREENSHOT_SIZE[0] * 2, SCREENSHOT_SIZE[1] * 2)


@pytest.mark.xvfb
def test_screenshot_size_theme_and_state(xvfb_display, statusdesk_home, tmp_path):
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb"}
    target = tmp_path / "batch-dark.png"
    shot = run_app(["--screenshot", str(target), "--size", "1024x700", "--theme", "dark",
                    "--state", "batch"], env)
    assert shot.returncode == 0 and shot.stderr == "", shot.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1024, 700)  # the batch window, at that size
    assert _mean_lightness(image) < 90  # dark

    target = tmp_path / "first-light.png"
    shot = run_app(["--screenshot", str(target), "--size", "900x640", "--theme", "light",
                    "--state", "first-start"], env)
    assert shot.returncode == 0 and shot.stderr == "", shot.stderr
    image = QImage(str(target))
    assert (image.width(), image.height()) == (900, 640)
    assert _mean_lightness(image) > 180  # light
    assert not list(Path(statusdesk_home).iterdir())  # the user's folder was not touched


def test_screenshot_options_are_checked(statusdesk_home, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for args, words in ((["--size", "1024"], "not WIDTHxHEIGHT"),
                        (["--state", "nowhere"], "invalid choice"),
                        (["--theme", "pink"], "invalid choice")):
        done = run_app(["--screenshot", str(tmp_path / "x.png"), *args], env)
        assert done.returncode == 2 and words in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
    done = run_app(["--smoke", "--size", "1024x700"], env)
    assert done.returncode == 2 and "go with --screenshot" in done.stderr
    assert not (tmp_path / "x.png").exists()


def _mean_lightness(image: QImage) -> float:
    step = 7
    values = [image.pixelColor(x, y).lightness() for x in range(0, image.width(), step)
              for y in range(0, image.height(), step)]
    return sum(values) / len(values)


def _greenish(name: str) -> bool:
    red, green, blue = (int(name[i:i + 2], 16) for i in (1, 3, 5))
    return green > red + 40 and green > blue + 20


def test_the_app_icon_and_style_come_from_resources(qapp):
    from gui.app import make_app
    from gui.resources import resources_dir

    app = make_app()
    assert app is qapp
    sizes = {(s.width(), s.height()) for s in app.windowIcon().availableSizes()}
    assert {(16, 16), (32, 32), (256, 256)} <= sizes
    assert (resources_dir() / "statusdesk.svg").read_text().startswith("<svg")
    assert "#sendButton" in app.styleSheet()
    app.setStyleSheet("")
