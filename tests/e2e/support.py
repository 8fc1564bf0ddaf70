"""Driving the real app in real Chromium (notes/flet.md §7): start/stop the server by PID, open tabs.

Flutter web paints to a canvas; clicking ``flt-semantics-placeholder`` builds the ARIA tree, after
which controls are found by role, label and text (``ft.Semantics`` is broken on web: no test ids).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from playwright.sync_api import ViewportSize

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def free_port() -> int:
    """Return a loopback port that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """Return the environment for the app and CLI on a private data folder."""
    env = dict(os.environ, ORDERTRACK_HOME=str(home), PYTHONUNBUFFERED="1", **extra)
    env.pop("DISPLAY", None)
    return env


def cli_text(home: Path, *args: str, timeout: float = 60) -> str:
    """Run ``python -m app ARGS`` (text output) and return what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=app_env(home),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"`ordertrack {' '.join(args)}` failed: {done.stderr}"
    return done.stdout


def cli(home: Path, *args: str, timeout: float = 60) -> Any:
    """Run ``python -m app ARGS`` (JSON output) and return the parsed answer."""
    return json.loads(cli_text(home, *args, timeout=timeout))


LINK = re.compile(r"Serving .+ on (http://\S+)")


@dataclass
class Server:
    """A running ``python -m app run --web`` process and the link it printed (with its launch token)."""

    proc: subprocess.Popen[bytes]
    url: str
    """The origin (``http://127.0.0.1:PORT``), without the token: refused until a tab opened :meth:`at`."""
    link: str
    """The link the app printed: ``http://127.0.0.1:PORT/?token=...``."""
    log_path: Path
    started: float
    ready: float

    def at(self, path: str = "/") -> str:
        """Return the printed link pointing at ``path`` (a tab opened on it gets in, then keeps a cookie)."""
        parts = urllib.parse.urlsplit(self.link)
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))

    def log(self) -> str:
        """Return what the server printed so far."""
        return self.log_path.read_text(errors="replace")


def start_server(home: Path, log_path: Path, *, timeout: float = 30, module: str = "app", **env: str) -> Server:
    """Start the app's web server on a free loopback port; return once its printed link answers HTTP.

    ``module``: what to run with ``python -m`` (the benchmarks serve a trivial app the same way).
    """
    port = free_port()
    log: IO[bytes] = log_path.open("wb")
    started = time.monotonic()
    args = ["run", "--web", "--host", "127.0.0.1"] if module == "app" else []
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args, "--port", str(port)],
        cwd=ROOT,
        env=app_env(home, **env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    deadline = started + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"the app exited with {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        found = LINK.search(log_path.read_text(errors="replace"))
        if found is not None:
            link = found.group(1)
            assert link.startswith(url + "/?token="), link
            target = urllib.parse.urlsplit(link)
            conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=5)
            try:  # printed once listening: the link answers at once, with the cookie and a redirect
                conn.request("GET", f"{target.path}?{target.query}")
                status = conn.getresponse().status
            finally:
                conn.close()
            assert status == 303, f"the printed link answered {status}"
            break
        if time.monotonic() > deadline:
            stop_server(proc)
            raise AssertionError(f"the app printed no link for {url}:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.02)
    return Server(proc=proc, url=url, link=link, log_path=log_path, started=started, ready=time.monotonic())


def stop_server(proc: subprocess.Popen[bytes], timeout: float = 10) -> bool:
    """SIGTERM the server (Flet's graceful shutdown); SIGKILL if it lingers. Return True if it exited cleanly."""
    if proc.poll() is not None:
        return True
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)
        return False


def serving(home: Path) -> Iterator[Server]:
    """Run the app's web server on ``home`` (background polling hourly) for a fixture; stop it by PID after."""
    srv = start_server(home, home / "server.log", ORDERTRACK_SYNC_INTERVAL="3600")
    try:
        yield srv
    finally:
        stop_server(srv.proc)


def open_app(context: Any, url: str, *, timeout: float = 60_000) -> Any:
    """Open a tab on the app: wait for the first frame, then turn on Flutter semantics."""
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=timeout)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    page.get_by_role("button", name="Sync now").first.wait_for(timeout=20_000)  # on every screen
    return page


def nav(page: Any, name: str) -> Any:
    """Return the navigation destination ``name`` (a rail button on wide windows, a tab on phones)."""
    pattern = re.compile(r"^(\d[\d,+]* )?" + re.escape(name))  # an unread badge reads first: "1 Notifications"
    return page.get_by_role("tab", name=pattern).or_(page.get_by_role("button", name=pattern)).first


def pick(page: Any, label: str, option: str) -> None:
    """Choose ``option`` in the filter menu labelled ``label`` ("Status: Any")."""
    page.get_by_role("button", name=re.compile(re.escape(label) + ": ")).click()
    page.get_by_role("menuitemcheckbox", name=option, exact=True).click()


def shoot(page: Any, name: str) -> Path:
    """Save a screenshot (after the canvas caught up with the ARIA tree: gotcha 3)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def replace_text(page: Any, locator: Any, text: str, *, attempts: int = 3) -> None:
    """Type into a Flutter text field reliably (``fill`` is flaky: gotcha 1).

    A repaint right after the click can swap the semantics ``<input>`` and eat the first key, so the
    value is checked and the typing repeated when it did not land.
    """
    for attempt in range(attempts):
        locator.click()
        page.keyboard.press("Control+a")
        page.keyboard.press("Backspace")
        page.keyboard.type(text, delay=20)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if locator.input_value() == text:
                return
            page.wait_for_timeout(50)
        if attempt == attempts - 1:
            raise AssertionError(f"typing {text!r} left {locator.input_value()!r} in the field")
