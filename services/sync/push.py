"""Push: a source's Server-Sent Events stream kept open in a thread, resumed by Last-Event-ID.

    /v1/stream ──shipment.updated──> engine.store_pushed_event (one transaction: event live + stream id,
                                     and the message's own ``published_at`` for the latency figures)
               ──order.updated────> ask the coordinator for a cursor sync (coalesced)
    dropped / refused ──> reconnect with exponential backoff + jitter; the coordinator polls meanwhile

The last stream id is persisted in the ``<source>#stream`` sync-state row with each stored event
(and on disconnect), so a restart resumes where the last commit ended; a replayed event is
deduplicated by storage. A push that cannot be placed (unknown shipment) also asks for a sync, and
so does a reconnect without any id to resume from.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Protocol

from services.domain import AppError, AuthError, ChangeSet, RateLimitedError, ValidationError, parse_utc
from services.sources.limits import clamp_wait
from services.sources.ordertrack.client import OrdertrackClient, StreamMessage
from services.sources.ordertrack.mapper import parse_stream_event

from .engine import SourceRuntime, SyncEngine
from .ordertrack_source import OrdertrackOrderSource

log = logging.getLogger(__name__)

RECONNECT_INITIAL = 1.0
RECONNECT_MAX = 60.0
AUTH_RETRY = 300.0
"""A rejected token will not fix itself soon: retry the stream rarely."""
READ_TIMEOUT = 45.0
"""Longest silence on an open stream (the server pings every 15 s) before reconnecting."""


class StreamClient(Protocol):
    """What a push listener needs from a client: an SSE stream that resumes after an id."""

    def stream(
        self,
        last_event_id: str | None = None,
        *,
        read_timeout: float = READ_TIMEOUT,
        on_open: Callable[[Callable[[], None]], None] | None = None,
    ) -> Iterator[StreamMessage]:
        """Yield events after ``last_event_id``; ``on_open`` gets an abort function."""
        ...


def stream_client_for(src: SourceRuntime) -> StreamClient | None:
    """Return the push stream of a source when it offers one (the backend API does)."""
    if isinstance(src.orders, OrdertrackOrderSource) and isinstance(src.orders.client, OrdertrackClient):
        return src.orders.client
    return None


def published_at(payload: object) -> datetime | None:
    """Return when the source says it published a stream message (its ``published_at``), if it says so.

    A missing or unreadable stamp is not an error: the event is stored all the same, only without it.
    """
    value = payload.get("published_at") if isinstance(payload, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return parse_utc(value)
    except ValidationError:
        return None


class PushListener:
    """Keep one source's event stream open in a thread and store what it pushes."""

    def __init__(
        self,
        engine: SyncEngine,
        src: SourceRuntime,
        client: StreamClient,
        *,
        request_sync: Callable[[], None],
        on_status: Callable[[bool, str | None], None] | None = None,
        on_changes: Callable[[str, ChangeSet], None] | None = None,
        read_timeout: float = READ_TIMEOUT,
        reconnect_initial: float = RECONNECT_INITIAL,
        reconnect_max: float = RECONNECT_MAX,
        rng: random.Random | None = None,
    ) -> None:
        """Prepare the listener; ``request_sync`` asks for a cursor sync, ``on_status`` hears up/down."""
        self.engine = engine
        self.src = src
        self.client = client
        self._request_sync = request_sync
        self._on_status = on_status
        self._on_changes = on_changes
        self._read_timeout = read_timeout
        self._initial = reconnect_initial
        self._max = reconnect_max
        self._rng = rng or random.Random()
        self._stop = threading.Event()
        self._abort_lock = threading.Lock()
        self._abort: Callable[[], None] | None = None
        self._last_id: str | None = None
        self._saved_id: str | None = None
        self.connected = False
        self.connections = 0
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=f"ordertrack-push:{src.config.name}", daemon=True)

    @property
    def name(self) -> str:
        """Return the source's name."""
        return self.src.config.name

    @property
    def last_event_id(self) -> str | None:
        """Return the id of the last event handled."""
        return self._last_id

    def start(self) -> None:
        """Connect (resuming after the stored stream id) and keep the stream open until stopped."""
        self._last_id = self._saved_id = self.engine.stream_position(self.src)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Close the stream, persist the position and wait for the thread to end."""
        self._stop.set()
        with self._abort_lock:
            abort = self._abort
        if abort is not None:
            abort()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        """Tell whether the listener thread runs."""
        return self._thread.is_alive()

    # ------------------------------------------------------------ the thread

    def _opened(self, abort: Callable[[], None]) -> None:
        with self._abort_lock:
            self._abort = abort
        if self._stop.is_set():
            abort()
            return
        if self.connections and self._last_id is None:  # nothing to resume from: catch up by a cursor sync
            self._request_sync()
        self.connections += 1
        self._set_status(True, None)

    def _set_status(self, connected: bool, error: str | None) -> None:
        if connected == self.connected and error == self.last_error:
            return
        self.connected = connected
        self.last_error = error
        if self._on_status is not None:
            try:
                self._on_status(connected, error)
            except Exception:  # a status observer must not end the stream
                log.exception("push status observer failed for %s", self.name)

    def _run(self) -> None:
        delay = self._initial
        while not self._stop.is_set():
            wait = delay
            try:
                for message in self.client.stream(self._last_id, read_timeout=self._read_timeout, on_open=self._opened):
                    if self._stop.is_set():
                        break
                    delay = self._initial
                    self._handle(message)
                if self._stop.is_set():
                    break
                self._set_status(False, "the server closed the stream")
            except AuthError as err:
                self._set_status(False, f"{err.title}: {err.message}")
                wait = max(delay, AUTH_RETRY)
            except RateLimitedError as err:
                self._set_status(False, f"{err.title}: {err.message}")
                wait = max(delay, clamp_wait(err.retry_after) or 0.0)
            except AppError as err:
                if self._stop.is_set():
                    break
                if self.connected or self.last_error is None:
                    log.info("push stream of %s down (%s); polling meanwhile", self.name, err)
                self._set_status(False, f"{err.title}: {err.message}")
            except Exception as err:  # never let the push thread die: log, back off, retry
                log.exception("push stream of %s failed", self.name)
                self._set_status(False, f"{type(err).__name__}: {err}")
            finally:
                with self._abort_lock:
                    self._abort = None
            self._persist_position()
            if self._stop.wait(wait * (0.8 + 0.4 * self._rng.random())):
                break
            delay = min(delay * 2, self._max)
        self._persist_position()
        self._set_status(False, None)

    def _persist_position(self) -> None:
        if self._last_id is None or self._last_id == self._saved_id:
            return
        try:
            self.engine.save_stream_position(self.src, self._last_id)  # stream trouble is not a data failure
            self._saved_id = self._last_id
        except AppError as err:
            log.warning("could not save the stream position of %s: %s", self.name, err)

    def _handle(self, message: StreamMessage) -> None:
        """Store one pushed message (its id advances only once handled)."""
        received = datetime.now(UTC)  # to the microsecond: it is a latency figure (utc_now drops them)
        stream_id = message.id or self._last_id
        try:
            payload = json.loads(message.data) if message.data else None
            update = parse_stream_event(payload) if payload is not None else None
        except (ValueError, ValidationError) as err:
            # Not advancing the id: a message cut short by a dropped connection is replayed whole
            # after the reconnect; a really malformed one is passed by the next good id anyway.
            log.warning("skipping a malformed %s push from %s: %s", message.event or "message", self.name, err)
            return
        if update is not None and message.event == "shipment.updated" and update.event and update.tracking_number:
            changes = self.engine.store_pushed_event(
                self.src,
                tracking_number=update.tracking_number,
                carrier=update.carrier,
                event=update.event,
                stream_id=stream_id,
                received_at=received,
                published_at=published_at(payload),
            )
            self._saved_id = stream_id
            if not changes.empty and self._on_changes is not None:
                try:
                    self._on_changes(self.name, changes)
                except Exception:  # an observer must not end the stream
                    log.exception("push observer failed for %s", self.name)
            if changes.empty:  # a replay (already stored) or a shipment the cache does not know yet
                self._request_sync()
        elif update is not None and message.event in ("order.updated", "shipment.updated"):
            self._request_sync()
        self._last_id = stream_id
