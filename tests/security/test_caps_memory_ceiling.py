"""Memory ceiling: `ordertrack sync` against a gzip bomb and an endless event-stream line stays under 200 MB.

The peak resident size is the app process's own: a small launcher starts it and reads its children's
peak (``RUSAGE_CHILDREN``) after it exits. Reading ``wait4`` from the test process instead would count
the test process itself: a forked child keeps its parent's high-water mark across ``exec`` on Linux, and
after a long suite that alone is over 400 MB.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import ROOT, cli_env, run_cli
from tests.support.waiting import wait_until

from .caps_hostile import HostileBackend, gzip_bomb

CEILING_MB = 200


LAUNCHER = """
import os, resource, signal, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
code = child.wait()
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


def launch(peak_file: Path, args: list[str], **popen: object) -> subprocess.Popen[bytes]:
    """Start ``args`` through the launcher, which writes the app's peak resident size (KB) to ``peak_file``."""
    return subprocess.Popen([sys.executable, "-c", LAUNCHER, str(peak_file), *args], **popen)  # type: ignore[call-overload]


def reap(proc: subprocess.Popen[bytes], peak_file: Path) -> tuple[int, float]:
    """Wait for ``proc``; return (exit code, the app's peak resident size in MB)."""
    code = proc.wait(60)
    return code, int(peak_file.read_text()) / 1024  # Linux reports kilobytes


@pytest.fixture
def backend() -> Iterator[HostileBackend]:
    """A hostile backend whose orders answer is the gzip bomb and whose stream is one endless line."""
    gzip_bomb()  # build it before the server answers (a second or so)
    server = HostileBackend(orders="bomb", stream="endless_line").start()
    yield server
    server.stop()


@pytest.fixture
def home(tmp_path: Path, backend: HostileBackend) -> Path:
    """A data folder with one backend-API source pointing at the hostile backend."""
    path = tmp_path / "home"
    path.mkdir()
    added = run_cli(path, "sources", "add", "ordertrack", "--url", backend.url, "--name", "shop")
    assert added.returncode == 0, added.stderr
    return path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="wait4 peak RSS in kilobytes is Linux's")
def test_sync_against_a_gzip_bomb_stays_under_the_ceiling(home: Path, backend: HostileBackend, tmp_path: Path) -> None:
    """A 300 KB gzip body inflating to 300 MB: the sync stops reading at 16 MiB, fails in one line, stays small."""
    with (tmp_path / "out").open("w+b") as stdout, (tmp_path / "err").open("w+b") as stderr:
        peak = tmp_path / "peak"
        proc = launch(
            peak,
            [sys.executable, "-m", "app", "sync", "--format", "json"],
            cwd=ROOT,
            env=cli_env(home, ORDERTRACK_SYNC_INTERVAL="3600"),
            stdout=stdout,
            stderr=stderr,
        )
        code, peak_mb = reap(proc, peak)
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    print(f"peak RSS of `sync` against the gzip bomb: {peak_mb:.0f} MB")
    assert code == 1, err.decode()
    report = json.loads(out)["sources"][0]
    assert report["ok"] is False
    assert report["error"].startswith("Answer too large:") and "larger than 16 MiB" in report["error"]
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "larger than 16 MiB" in lines[0] and "Traceback" not in lines[0]
    assert peak_mb < CEILING_MB, f"peak RSS {peak_mb:.0f} MB"
    assert backend.hits["/v1/orders"] == 1  # a too-large answer is not retried


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="wait4 peak RSS in kilobytes is Linux's")
def test_follow_against_an_endless_stream_line_stays_under_the_ceiling(
    home: Path, backend: HostileBackend, tmp_path: Path
) -> None:
    """A stream that never sends a newline: the push drops it at 256 KiB, says why, reconnects; memory stays flat."""
    backend.orders = "empty"
    peak = tmp_path / "peak"
    proc = launch(
        peak,
        [sys.executable, "-m", "app", "sync", "--follow"],
        cwd=ROOT,
        env=cli_env(home, ORDERTRACK_SYNC_INTERVAL="3600"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    errors: list[str] = []

    def read_stderr() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            errors.append(raw.decode())

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        said = wait_until(lambda: any("push stream of shop down: Answer too large" in e for e in errors), 60)
        assert said, errors
        # The client hung up on its own and came back: the server saw a second connection.
        assert wait_until(lambda: backend.stream_connections >= 2, 30), backend.stream_bytes
    finally:
        proc.send_signal(signal.SIGTERM)
        code, peak_mb = reap(proc, peak)
        reader.join(10)
    print(f"peak RSS of `sync --follow` against the endless line: {peak_mb:.0f} MB; bytes sent {backend.stream_bytes}")
    assert code == 0, errors
    line = next(e for e in errors if "push stream of shop down" in e)
    assert "longer than 256 KiB" in line and "(polling meanwhile)" in line
    assert not any("Traceback" in e for e in errors), errors
    assert peak_mb < CEILING_MB, f"peak RSS {peak_mb:.0f} MB"
