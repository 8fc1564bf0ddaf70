"""The sync coordinator: when each source is pulled, and its push stream kept open.

    SyncCoordinator ── one scheduler thread ── Schedule per source ──due──> engine.sync_source(src)
                   └─ PushListener per source with a stream ──> engine.store_pushed_event (live)

Politeness (notes/style.md rule 4): every source kind has a minimum interval nobody can lower
(backend API 10 s, cloud aggregators 60 s); intervals get +-10 % jitter; failures back off
exponentially; a 429 ``Retry-After`` defers the next pull once; "refresh now" is debounced (10 s);
while a push stream is live, polling relaxes to a safety net. Failure state is the engine's
(``SyncState``: last_error, stale_since); the coordinator logs once per outage and once on recovery.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from services.domain import ChangeSet, utc_now
from services.sources.limits import clamp_wait

from .engine import SourceRuntime, SyncEngine, SyncReport
from .push import PushListener, stream_client_for

log = logging.getLogger(__name__)

MIN_INTERVALS: Mapping[str, float] = {"ordertrack": 10.0}
"""Per-kind polling floors in seconds; every other kind is a cloud API (CLOUD_MIN_INTERVAL)."""
CLOUD_MIN_INTERVAL = 60.0
DEFAULT_INTERVAL = 30.0
JITTER = 0.1
MAX_BACKOFF = 1800.0
REFRESH_COOLDOWN = 10.0
"""A manual "refresh now" runs at once, then at most once per cooldown (later requests coalesce)."""
PUSH_RELAX = 6.0
"""While a push stream is live, polling only backs it up: interval x PUSH_RELAX."""
PUSH_SYNC_DELAY = 0.2
"""A push that needs a cursor sync waits this long, so a burst of pushes becomes one sync."""
PUSH_SYNC_GAP = 2.0
"""Push-triggered cursor syncs of one source start at least this far apart."""


def min_interval(kind: str, floors: Mapping[str, float] = MIN_INTERVALS) -> float:
    """Return the polling floor of a source kind (cloud APIs: 60 s)."""
    return floors.get(kind, CLOUD_MIN_INTERVAL)


def effective_interval(kind: str, requested: float | None, floors: Mapping[str, float] = MIN_INTERVALS) -> float:
    """Return the interval a source is polled at: the requested one, never below its kind's floor."""
    floor = min_interval(kind, floors)
    return max(requested if requested is not None else DEFAULT_INTERVAL, floor)


class Schedule:
    """When one source is next pulled (monotonic seconds); pure, so tests drive it with a fake clock."""

    def __init__(
        self,
        interval: float,
        *,
        rng: random.Random | None = None,
        cooldown: float = REFRESH_COOLDOWN,
        jitter: float = JITTER,
        max_backoff: float = MAX_BACKOFF,
    ) -> None:
        """Start due at once (the first pull runs as soon as the coordinator starts)."""
        self.interval = interval
        self.cooldown = cooldown
        self.jitter = jitter
        self.max_backoff = max_backoff
        self.failures = 0
        self.next_due = 0.0
        self.not_before = 0.0
        self.push_live = False
        self.last_run = float("-inf")
        self.last_manual = float("-inf")
        self._rng = rng or random.Random()

    def _jittered(self, seconds: float) -> float:
        return seconds * (1 - self.jitter + 2 * self.jitter * self._rng.random())

    @property
    def base(self) -> float:
        """Return the current polling period (relaxed while a push stream is live)."""
        return self.interval * PUSH_RELAX if self.push_live else self.interval

    def due(self, now: float) -> bool:
        """Tell whether a pull should start now."""
        return now >= self.next_due

    def started(self, now: float) -> None:
        """Record that a pull starts."""
        self.last_run = now

    def succeeded(self, now: float) -> None:
        """Schedule the next pull one (jittered) period ahead."""
        self.failures = 0
        self.next_due = now + self._jittered(self.base)

    def failed(self, now: float, retry_after: float | None = None) -> None:
        """Back off exponentially; a Retry-After defers the next pull once (at least that long, at most 1 h)."""
        retry_after = clamp_wait(retry_after)  # a server's 1e308, NaN or far-future date must not stop polling
        self.failures += 1
        delay = self._jittered(min(self.interval * 2 ** min(self.failures - 1, 30), self.max_backoff))
        if retry_after is not None and retry_after > 0:
            delay = max(delay, retry_after)
            self.not_before = now + retry_after
        self.next_due = now + delay

    def request(self, now: float) -> bool:
        """Ask for a pull now (debounced); return True when it runs at once, False when coalesced."""
        if now - self.last_manual >= self.cooldown:
            self.last_manual = now
            self.next_due = max(now, self.not_before)
            return self.next_due == now
        self.next_due = min(self.next_due, max(self.last_manual + self.cooldown, self.not_before))
        return False

    def soon(self, now: float) -> None:
        """Pull soon because a push said something changed (coalesced, never before a deferral)."""
        self.next_due = min(self.next_due, max(now + PUSH_SYNC_DELAY, self.last_run + PUSH_SYNC_GAP, self.not_before))


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """What the coordinator knows about one source right now."""

    source: str
    interval: float
    failures: int
    next_pull_in: float
    push: str
    """``live``, ``down`` (polling meanwhile) or ``none`` (the source offers no push)."""
    push_error: str | None = None


class SyncCoordinator:
    """Run an engine's sources on their schedules and their push streams, until stopped."""

    def __init__(
        self,
        engine: SyncEngine,
        *,
        interval: float | None = None,
        min_intervals: Mapping[str, float] = MIN_INTERVALS,
        push: bool = True,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        refresh_cooldown: float = REFRESH_COOLDOWN,
        reconnect_initial: float = 1.0,
        reconnect_max: float = 60.0,
        on_pass_started: Callable[[], None] | None = None,
        on_report: Callable[[SyncReport], None] | None = None,
        on_push: Callable[[str, ChangeSet], None] | None = None,
        on_push_status: Callable[[str, bool, str | None], None] | None = None,
    ) -> None:
        """Prepare schedules (floors enforced) and push listeners; :meth:`start` runs them.

        The hooks (what a pass, a pull and a push tell the app) are given here, before anything runs.
        """
        self.engine = engine
        self.clock = clock
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.schedules: dict[str, Schedule] = {}
        self.sources: dict[str, SourceRuntime] = {}
        for src in engine.sources:
            name = src.config.name
            self.sources[name] = src
            self.schedules[name] = Schedule(
                effective_interval(src.config.kind, interval, min_intervals), rng=self._rng, cooldown=refresh_cooldown
            )
        self.pushers: dict[str, PushListener] = {}
        if push:
            for src in engine.sources:
                client = stream_client_for(src)
                if client is not None:
                    self.pushers[src.config.name] = PushListener(
                        engine,
                        src,
                        client,
                        request_sync=self._push_sync_request(src.config.name),
                        on_status=self._push_status(src.config.name),
                        on_changes=self._pushed,
                        reconnect_initial=reconnect_initial,
                        reconnect_max=reconnect_max,
                        rng=self._rng,
                    )
        self.reports: dict[str, SyncReport] = {}
        self.passes = 0
        self.on_pass_started = on_pass_started
        """Called before each pull pass (the GUI shows "syncing")."""
        self.on_report = on_report
        """Called after each pull of a source with its report."""
        self.on_push_status = on_push_status
        """Called when a source's push stream goes live or down (source, live, reason)."""
        self.on_push = on_push
        """Called after a pushed event was committed (source, what changed)."""
        self._thread = threading.Thread(target=self._run, name="ordertrack-coordinator", daemon=True)
        self._started = False

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Open the push streams, then start pulling (each source at once, then on schedule)."""
        if self._started:
            raise RuntimeError("a SyncCoordinator can be started only once")
        self._started = True
        for pusher in self.pushers.values():
            pusher.start()
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop pulling and close the streams; a running pull finishes its current transaction first."""
        self._stop.set()
        self.engine.cancelled.set()
        self._wake.set()
        for pusher in self.pushers.values():
            pusher.stop(timeout)
        if self._thread.is_alive():
            self._thread.join(timeout)
        if not self._thread.is_alive():
            self.engine.cancelled.clear()  # the engine stays usable for direct syncs

    def close(self) -> None:
        """Stop, then close the engine's connections."""
        self.stop()
        self.engine.close()

    @property
    def running(self) -> bool:
        """Tell whether the scheduler thread runs."""
        return self._thread.is_alive()

    def threads_alive(self) -> list[str]:
        """Return the names of this coordinator's threads still running (empty after a clean stop)."""
        names = [p._thread.name for p in self.pushers.values() if p.alive]
        if self._thread.is_alive():
            names.append(self._thread.name)
        return names

    # ------------------------------------------------------------ requests

    def request_refresh(self, source: str | None = None) -> bool:
        """Ask for a pull now ("refresh now"), debounced per source; True when one starts at once."""
        now = self.clock()
        started = False
        with self._lock:
            for name, schedule in self.schedules.items():
                if source is None or name == source:
                    started = schedule.request(now) or started
        self._wake.set()
        return started

    def status(self) -> list[SourceStatus]:
        """Return each source's schedule and push state."""
        now = self.clock()
        out = []
        with self._lock:
            for name, schedule in self.schedules.items():
                pusher = self.pushers.get(name)
                push = "none" if pusher is None else ("live" if pusher.connected else "down")
                out.append(
                    SourceStatus(
                        source=name,
                        interval=schedule.interval,
                        failures=schedule.failures,
                        next_pull_in=max(0.0, schedule.next_due - now),
                        push=push,
                        push_error=pusher.last_error if pusher is not None else None,
                    )
                )
        return out

    def _push_sync_request(self, name: str) -> Callable[[], None]:
        def request() -> None:
            with self._lock:
                self.schedules[name].soon(self.clock())
            self._wake.set()

        return request

    def _pushed(self, name: str, changes: ChangeSet) -> None:
        if self.on_push is not None:
            self.on_push(name, changes)

    def _push_status(self, name: str) -> Callable[[bool, str | None], None]:
        def changed(live: bool, reason: str | None) -> None:
            with self._lock:
                schedule = self.schedules[name]
                was_live = schedule.push_live
                schedule.push_live = live
                if was_live and not live:  # fall back to polling: next pull within one base interval
                    schedule.next_due = min(schedule.next_due, self.clock() + schedule.base)
            self._wake.set()
            if self.on_push_status is not None:
                self.on_push_status(name, live, reason)

        return changed

    # ------------------------------------------------------------ the scheduler thread

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            now = self.clock()
            with self._lock:
                due = [name for name, s in self.schedules.items() if s.due(now)]
            if due:
                self._pass(due)
                continue
            with self._lock:
                wait = min((s.next_due for s in self.schedules.values()), default=now + 3600.0) - now
            self._wake.wait(max(0.0, min(wait, 3600.0)))

    def _pass(self, names: list[str]) -> None:
        self.passes += 1
        self._call(self.on_pass_started)
        for name in names:
            if self._stop.is_set():
                return
            src = self.sources[name]
            with self._lock:
                self.schedules[name].started(self.clock())
            try:
                report = self.engine.sync_source(src)
            except Exception as err:  # a bug or a broken cache must not end the loop
                log.exception("sync of %s crashed", name)
                report = SyncReport(source=name, error=f"{type(err).__name__}: {err}", finished_at=utc_now())
            now = self.clock()
            with self._lock:
                schedule = self.schedules[name]
                was_failing = schedule.failures > 0
                if report.error is None:
                    schedule.succeeded(now)
                else:
                    schedule.failed(now, report.retry_after)
            if report.error is not None and not was_failing:
                log.warning("sync of %s failing: %s (cached data kept; retrying with backoff)", name, report.error)
            elif report.error is None and was_failing:
                log.warning("sync of %s recovered", name)
            self.reports[name] = report
            if self.on_report is not None:
                try:
                    self.on_report(report)
                except Exception:  # an observer must not stop the syncing
                    log.exception("sync report observer failed")

    @staticmethod
    def _call(hook: Callable[[], None] | None) -> None:
        if hook is None:
            return
        try:
            hook()
        except Exception:  # an observer must not stop the syncing
            log.exception("sync observer failed")
