"""The dispatcher: change sets in, exactly-once alerts out, every decision logged with its reason.

    (source, ChangeSet) ─> rules (pure) ─> candidates ─> mute / history / duplicates / quiet hours
        ─> claim in the ledger (UNIQUE alert_key+channel, one transaction) ─> channels ─> log status

A source's back-fill (its first sync) is history: its events and orders are not evaluated at all and
leave no log rows; only its shipments' ETAs and the delays / silences already visible then are
recorded as known (one snapshot per shipment, one suppressed row per such delay), so that going live
announces none of them.

Held alerts (quiet hours) go out as ONE digest per channel when the window ends; failed e-mails
are retried with backoff (``pending_retry``) on every later dispatch or :meth:`Dispatcher.flush`.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.domain import ChangeSet, NewTrackingEvent, Order, ShipmentStatus, utc_now
from services.storage import Store
from services.storage.convert import event_key
from services.storage.notify_repo import AlertDraft, AlertRecord, NotifyRepository

from .channels import DeliveryError, EmailChannel, Message, NativeChannel, NativeUnavailableError
from .preferences import Preferences, from_json, to_json
from .rules import (
    RULES_BY_ID,
    Candidate,
    RuleConfig,
    ShipmentSnapshot,
    evaluate_event,
    evaluate_order,
    evaluate_shipment,
    fired_reason,
    quiet_release,
)

log = logging.getLogger(__name__)

HISTORY_SUFFIX = "#history"
"""The sync engine's bookkeeping row that reads "done" once a source's back-fill is complete."""

INTRUSIVE = ("native", "email")
"""Channels quiet hours hold (in-app is a silent log)."""

RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
TICK_EVERY = timedelta(minutes=10)
"""How often the time rules (ETA passed, stale) are checked from the change listener."""


def load_prefs(repo: NotifyRepository) -> Preferences:
    """Return the stored preferences (defaults when none are stored)."""
    data = repo.prefs_json()
    return from_json(data) if data is not None else Preferences()


def save_prefs(repo: NotifyRepository, prefs: Preferences, now: datetime | None = None) -> None:
    """Store the preferences."""
    repo.save_prefs_json(to_json(prefs), now or utc_now())


def _base_reason(alert: AlertRecord) -> str:
    return fired_reason(alert.rule, alert.trigger)


def _backoff(attempts: int) -> timedelta:
    return min(RETRY_BASE * (1 << min(max(attempts - 1, 0), 16)), RETRY_MAX)


@dataclass
class Channels:
    """The channel objects the dispatcher hands alerts to (replaceable in tests)."""

    native: NativeChannel | None = None
    email: EmailChannel | None = None


class Dispatcher:
    """A sync ChangeListener that turns committed changes into alerts on the customer's channels."""

    def __init__(
        self,
        store: Store,
        channels: Channels,
        *,
        clock: Callable[[], datetime] = utc_now,
        prefs: Callable[[], Preferences] | None = None,
    ) -> None:
        self.store = store
        self.repo = NotifyRepository(store)
        self.channels = channels
        self.clock = clock
        self._prefs = prefs or (lambda: load_prefs(self.repo))
        self._lock = threading.Lock()  # one dispatch at a time per process (the ledger guards processes)
        self._last_tick: datetime | None = None
        self.on_alert: list[Callable[[AlertRecord], None]] = []
        """Called for each alert handed to a channel (the app refreshes its unread badge)."""

    # ------------------------------------------------------------ listener entry point

    def __call__(self, source: str, changes: ChangeSet) -> None:
        """React to one committed sync transaction of ``source``."""
        with self._lock:
            now = self.clock()
            prefs = self._prefs()
            # the engine marks a source done only after its last back-fill commit was heard
            live_source = self.store.sync_state.get(source + HISTORY_SUFFIX).cursor == "done"
            flags: dict[tuple[str, str], bool] = {}
            if live_source and changes.new_events:
                # should a commit of back-filled events ever arrive once done, their live=False flags tell
                flags = self.repo.live_flags((ne.tracking_number, event_key(ne.event)) for ne in changes.new_events)
                live_source = any(flags.values())
            if live_source:
                candidates = self._evaluate(changes, prefs, now, flags=flags)
            else:
                candidates = self._backfill(changes, prefs, now)
            self._dispatch(candidates, prefs, now)
            self._flush(prefs, now)
            if live_source and (self._last_tick is None or now - self._last_tick >= TICK_EVERY):
                self._tick(prefs, now)

    def flush(self) -> None:
        """Deliver what is due: retries, held alerts after quiet hours, interrupted claims."""
        with self._lock:
            self._flush(self._prefs(), self.clock())

    def tick(self) -> None:
        """Check the time rules (ETA passed, no news for N days) over open shipments, then flush."""
        with self._lock:
            prefs, now = self._prefs(), self.clock()
            self._tick(prefs, now)
            self._flush(prefs, now)

    # ------------------------------------------------------------ evaluation

    @staticmethod
    def _config(prefs: Preferences) -> RuleConfig:
        return RuleConfig(
            enabled=frozenset(r for r in RULES_BY_ID if prefs.rule_on(r)),
            stale_days=prefs.stale_days,
            history_hours=prefs.history_hours,
            zone=prefs.zone(),
        )

    def _evaluate(
        self,
        changes: ChangeSet,
        prefs: Preferences,
        now: datetime,
        *,
        flags: dict[tuple[str, str], bool],
    ) -> list[Candidate]:
        config = self._config(prefs)
        by_order: dict[str, list[NewTrackingEvent]] = defaultdict(list)
        for ne in changes.new_events:
            by_order[ne.order_number].append(ne)
        numbers = list(dict.fromkeys([*by_order, *changes.new_orders, *changes.changed_orders]))
        orders = [o for o in (self.store.orders.get(n) for n in numbers) if o is not None]
        out: list[Candidate] = []
        out.extend(self._shipment_rules(orders, config, now))
        for order in orders:
            for ne in by_order.get(order.order_number, ()):
                shipment = next((s for s in order.shipments if s.tracking_number == ne.tracking_number), None)
                if shipment is None:
                    continue
                live = flags.get((ne.tracking_number, event_key(ne.event)), True)
                out.extend(evaluate_event(order, shipment, ne.event, live=live, config=config, now=now))
            out.extend(evaluate_order(order, live=True, config=config, now=now))
        return out

    def _backfill(self, changes: ChangeSet, prefs: Preferences, now: datetime) -> list[Candidate]:
        """A back-fill (history): nothing in it is news, so no event or order rule is evaluated or logged.

        Only the shipments' ETAs and the delays / silences they show are recorded as known, so that going
        live does not announce them: only an ETA that passes or moves later after that is a delay. The
        orders come from the change set as the transaction wrote them (no read back), else from the cache.
        """
        numbers = dict.fromkeys([*(ne.order_number for ne in changes.new_events), *changes.new_orders])
        numbers.update(dict.fromkeys(changes.changed_orders))
        written = {o.order_number: o for o in changes.orders}
        orders: list[Order] = []
        for number in numbers:
            found = written.get(number) or self.store.orders.get(number)
            if found is not None:
                orders.append(found)
        return self._shipment_rules(orders, self._config(prefs), now, history=True)

    def _shipment_rules(
        self, orders: Sequence[Order], config: RuleConfig, now: datetime, *, history: bool = False
    ) -> list[Candidate]:
        """Evaluate the delay / stale rules against the last snapshots, and save the new ones.

        With ``history`` (a back-fill) what fires is claimed as suppressed history: the ledger then
        knows that delay or silence, and the same trigger seen live later is not news.
        """
        snaps = self.repo.snapshots([o.order_number for o in orders])
        out: list[Candidate] = []
        seen: list[tuple[str, str, str, datetime | None]] = []
        for order in orders:
            for ship in order.shipments:
                prev = snaps.get((order.order_number, ship.tracking_number))
                before = ShipmentSnapshot(ShipmentStatus(prev[0]), prev[1]) if prev else None
                found = evaluate_shipment(order, ship, before, live=True, config=config, now=now)
                out.extend([replace(c, history=True) for c in found] if history else found)
                eta = ship.estimated_delivery.end if ship.estimated_delivery else None
                if prev is None or prev != (ship.status.value, eta):
                    seen.append((order.order_number, ship.tracking_number, ship.status.value, eta))
        self.repo.save_snapshots(seen, now)
        return out

    def _tick(self, prefs: Preferences, now: datetime) -> None:
        self._last_tick = now
        numbers = self.repo.orders_due_for_time_rules(now, now - timedelta(days=prefs.stale_days), prefs.zone())
        orders = [o for o in (self.store.orders.get(n) for n in numbers) if o is not None]
        self._dispatch(self._shipment_rules(orders, self._config(prefs), now), prefs, now)

    # ------------------------------------------------------------ claiming and delivery

    def _drafts(self, candidates: Sequence[Candidate], prefs: Preferences, now: datetime) -> list[AlertDraft]:
        release = None
        if prefs.quiet_hours is not None:
            release = quiet_release(now, prefs.quiet_hours.start, prefs.quiet_hours.end, prefs.zone())
        drafts: list[AlertDraft] = []
        for c in candidates:
            deliveries: tuple[tuple[str, str, str, datetime | None], ...]
            if c.history:
                deliveries = (("-", "suppressed", f"suppressed: history ({c.reason})", None),)
            elif c.order_number in prefs.muted:
                deliveries = (("-", "suppressed", f"suppressed: order muted ({c.reason})", None),)
            else:
                chans = prefs.channels_for(c.rule)
                if not chans:
                    deliveries = (("-", "suppressed", f"suppressed: no channel enabled ({c.reason})", None),)
                else:
                    deliveries = tuple(
                        (ch, "held", f"held: quiet hours until {release:%Y-%m-%dT%H:%MZ} ({c.reason})", release)
                        if release is not None and ch in INTRUSIVE
                        else (ch, "pending", c.reason, None)
                        for ch in chans
                    )
            drafts.append(
                AlertDraft(
                    alert_key=c.key,
                    order_number=c.order_number,
                    tracking_number=c.tracking_number,
                    milestone=c.rule,
                    rule=c.rule,
                    trigger=c.trigger,
                    event_at=c.event_at,
                    title=c.title,
                    body=c.body,
                    link=c.link,
                    deliveries=deliveries,
                    once_per_shipment=RULES_BY_ID[c.rule].once_per_shipment,
                    check_duplicates=not c.history,
                )
            )
        return drafts

    def _dispatch(self, candidates: Sequence[Candidate], prefs: Preferences, now: datetime) -> None:
        if not candidates:
            return
        claimed = self.repo.claim(self._drafts(candidates, prefs, now), now)
        self._deliver([a for a in claimed if a.status == "pending"], prefs, digest=False)

    def _flush(self, prefs: Preferences, now: datetime) -> None:
        due = self.repo.due(now)
        if due:
            self._deliver(due, prefs, digest=True)

    def _deliver(self, alerts: Sequence[AlertRecord], prefs: Preferences, *, digest: bool) -> None:
        by_channel: dict[str, list[AlertRecord]] = defaultdict(list)
        for a in alerts:
            by_channel[a.channel].append(a)
        for a in by_channel.get("in_app", ()):
            self._done(a, "sent", _base_reason(a))
        native = by_channel.get("native", [])
        if native:
            self._deliver_native(native, digest=digest)
        emails = by_channel.get("email", [])
        if emails:
            self._deliver_email(emails, prefs, digest=digest)

    def _done(self, alert: AlertRecord, status: str, reason: str, *, attempts: int | None = None) -> None:
        now = self.clock()
        self.repo.update(
            alert.id, status=status, reason=reason, alerted_at=now, attempts=attempts or alert.attempts + 1
        )
        for callback in self.on_alert:
            try:
                callback(alert)
            except Exception:
                log.exception("alert callback failed")

    @staticmethod
    def _messages(alerts: Sequence[AlertRecord], digest: bool) -> list[Message]:
        held = [a for a in alerts if a.status == "held"]
        direct = [a for a in alerts if a.status != "held"]
        out = [Message(a.title, a.body, a.link) for a in direct]
        if digest and held:
            lines = "\n".join(f"• {a.title}: {a.body}" for a in held)
            out.append(Message(f"{len(held)} order update(s) while notifications were paused", lines))
        elif held:
            out.extend(Message(a.title, a.body, a.link) for a in held)
        return out

    @staticmethod
    def _digest_reason(alert: AlertRecord) -> str:
        base = _base_reason(alert)
        return f"{base}; sent in the quiet-hours digest" if alert.status == "held" else base

    def _deliver_native(self, alerts: Sequence[AlertRecord], *, digest: bool) -> None:
        channel = self.channels.native
        try:
            if channel is None:
                raise NativeUnavailableError("native notifications are not available in this app build")
            channel.send(self._messages(alerts, digest))
        except Exception as raised:  # a DeliveryError from the channel; anything else is wrapped the same way
            err = (
                raised
                if isinstance(raised, DeliveryError)
                else NativeUnavailableError(f"the notification could not be shown ({type(raised).__name__})")
            )
            log.warning("native notifications unavailable: %s", err)
            reason = f"fallback: in-app (no notification service: {err})"
            now = self.clock()
            for a in alerts:
                self.repo.update(a.id, status="failed", reason=reason, attempts=a.attempts + 1)
                self.repo.add_in_app(a, reason, now)
            return
        for a in alerts:
            self._done(a, "sent", self._digest_reason(a))

    def _deliver_email(self, alerts: Sequence[AlertRecord], prefs: Preferences, *, digest: bool) -> None:
        channel = self.channels.email
        address = prefs.email_address
        if channel is None or not address:
            for a in alerts:
                self.repo.update(a.id, status="failed", reason="failed: e-mail is not configured", attempts=a.attempts)
            return
        held = [a for a in alerts if a.status == "held"]
        direct = [a for a in alerts if a.status != "held"]
        groups: list[list[AlertRecord]] = [[a] for a in direct]
        if held:
            groups += [held] if digest else [[a] for a in held]
        messages = [self._messages(g, digest)[0] for g in groups]
        try:
            results: list[DeliveryError | None] = channel.send(address, messages)
        except Exception as raised:  # the channel returns its errors; a raw one still only fails this batch
            log.warning("e-mail channel failed: %s", type(raised).__name__)
            results = [DeliveryError(f"e-mail channel error ({type(raised).__name__})") for _ in messages]
        for group, err in zip(groups, results, strict=True):
            for a in group:
                if err is None:
                    self._done(a, "sent", self._digest_reason(a))
                else:
                    self._retry_later(a, err)

    def _retry_later(self, alert: AlertRecord, err: DeliveryError) -> None:
        attempts = alert.attempts + 1
        if err.permanent:  # retrying cannot deliver this message: log why, never send it again
            self.repo.update(
                alert.id, status="failed", reason=f"failed: {err} ({_base_reason(alert)})", attempts=attempts
            )
            return
        when = self.clock() + _backoff(attempts)
        self.repo.update(
            alert.id,
            status="pending_retry",
            reason=f"retry {attempts} at {when:%Y-%m-%dT%H:%M:%SZ}: {err} ({_base_reason(alert)})",
            attempts=attempts,
            next_attempt_at=when,
        )
