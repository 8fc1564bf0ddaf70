"""A Server-Sent Events reader with bounded lines and events (HTTP only: no mapping).

    decoded chunks ──SSEDecoder.feed()──> lines (CR, LF or CRLF) ──> ServerSentEvent(event, data, id, retry)
                       │ a line longer than ``max_line`` (even one that never ends) ──> TooLargeError
                       └ an event whose data passes ``max_event`` ──────────────────> TooLargeError

The buffer never holds more than one line plus one network chunk, so a stream that never sends a
newline ends with a typed error instead of growing until memory runs out. Field rules follow the
WHATWG event-stream format (comments, ``field: value``, ``id`` persists across events).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import TooLargeError

MAX_SSE_LINE = 256 * 1024
"""The longest line accepted on an event stream (an event is a few KB)."""
MAX_SSE_EVENT = 1024 * 1024
"""The most data one event may carry (all its ``data:`` lines together)."""

_EOL = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One event of a stream."""

    event: str
    data: str
    id: str
    retry: int | None = None


class SSEDecoder:
    """Turn the bytes of an event stream into events, refusing oversized lines and events."""

    def __init__(self, *, max_line: int = MAX_SSE_LINE, max_event: int = MAX_SSE_EVENT) -> None:
        self.max_line = max_line
        self.max_event = max_event
        self._buffer = bytearray()
        self._event = ""
        self._data: list[str] = []
        self._data_size = 0
        self._last_id = ""
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Add bytes from the stream; return the events they complete."""
        self._buffer += chunk
        events: list[ServerSentEvent] = []
        start = 0
        end = len(self._buffer)
        for match in _EOL.finditer(self._buffer):
            if match.group() == b"\r" and match.end() == end:
                break  # a CR at the end may be the first half of a CRLF: wait for the next chunk
            event = self._line(bytes(self._buffer[start : match.start()]))
            if event is not None:
                events.append(event)
            start = match.end()
        del self._buffer[:start]
        if len(self._buffer) > self.max_line:
            self._buffer.clear()
            raise TooLargeError(f"an event stream line is longer than {self.max_line // 1024} KiB; stream dropped")
        return events

    def _line(self, raw: bytes) -> ServerSentEvent | None:
        if len(raw) > self.max_line:
            raise TooLargeError(f"an event stream line is longer than {self.max_line // 1024} KiB; stream dropped")
        line = raw.decode("utf-8", errors="replace")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data_size += len(raw)
            if self._data_size > self.max_event:
                self._data, self._data_size = [], 0
                raise TooLargeError(f"an event on the stream carries more than {self.max_event // 1024} KiB of data")
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit() and len(value) <= 9:
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if not (self._event or self._data or self._last_id or self._retry is not None):
            return None
        event = ServerSentEvent(
            event=self._event or "message", data="\n".join(self._data), id=self._last_id, retry=self._retry
        )
        self._event, self._data, self._data_size, self._retry = "", [], 0, None
        return event
