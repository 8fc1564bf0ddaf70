"""A fake org.freedesktop.Notifications service on the session bus that records every Notify call.

Run as a script: ``python fake_notifyd.py LOG.jsonl`` prints READY once it owns the name, then
appends one JSON line per Notify call. Tests start it with :func:`start` and read :func:`received`.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
HERE = Path(__file__).resolve().parent

NOSVC_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""
"""A session bus with no service directories: nothing can be D-Bus-activated on it."""


def start(log: Path) -> subprocess.Popen[str]:
    """Start the daemon on the current session bus and wait until it owns the name."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "fake_notifyd.py"), str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != "READY":
        proc.kill()
        raise RuntimeError(f"fake notification daemon failed to start: {line!r}")
    return proc


def received(log: Path, count: int = 1, wait: float = 5.0) -> list[dict[str, object]]:
    """Return the recorded calls once at least ``count`` arrived (or whatever is there after ``wait`` s)."""
    deadline = time.monotonic() + wait
    while True:
        lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        if len(lines) >= count or time.monotonic() > deadline:
            return [json.loads(x) for x in lines]
        time.sleep(0.01)


def main() -> None:
    """Own the Notifications name and serve until killed."""
    from jeepney import HeaderFields, MessageType, new_error, new_method_return
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    log_path = sys.argv[1] if len(sys.argv) > 1 else os.environ["FAKE_NOTIFY_LOG"]
    conn = open_dbus_connection(bus="SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(NAME, 0x4))  # DO_NOT_QUEUE
    if reply.body[0] != 1:
        sys.exit(f"could not own {NAME}: RequestName returned {reply.body[0]}")
    print("READY", flush=True)
    ids = itertools.count(1)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        member = msg.header.fields.get(HeaderFields.member)
        if member == "Notify":
            app_name, replaces_id, _icon, summary, body, _actions, _hints, timeout = msg.body
            nid = replaces_id or next(ids)
            rec = {"id": nid, "app_name": app_name, "summary": summary, "body": body, "timeout": timeout}
            with open(log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            conn.send(new_method_return(msg, "u", (nid,)))
        elif member == "GetCapabilities":
            conn.send(new_method_return(msg, "as", (["body"],)))
        elif member == "GetServerInformation":
            conn.send(new_method_return(msg, "ssss", ("fake-notifyd", "test", "0.1", "1.2")))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", "s", (f"unknown {member}",)))


if __name__ == "__main__":
    main()
