"""The mutable simulation behind the demo server: simulated clock, published events, change log.

One lock guards everything. Every change (a scheduled event falling due, a control event) re-renders
the order, gives it an ``updated_at`` at least a second later than any before (so it sorts after every cursor a
client already holds), bumps ``version`` (for ETags) and appends one entry to the stream log, whose
integer ids increase strictly. Listeners (the SSE connections) are called under the lock and must
not block: they hand the entry to their event loop and return.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from services.domain import (
    Order,
    OrderEvent,
    ShipmentStatus,
    TrackingEvent,
    ValidationError,
    format_utc,
    order_to_json,
    parse_utc,
    tracking_event_to_json,
)

from . import aftership
from .carriers import DEFAULT_SUBTAG, SUBTAGS
from .catalog import COUNTRIES
from .data import Checkpoint, DemoData, OrderPlan, ShipmentPlan, order_at, visible_checkpoints

JSON = dict[str, Any]
_TICK = timedelta(seconds=1)
MAX_LOG = 100_000
MAX_ADVANCE = timedelta(days=100 * 366)
"""How far simulated time may move ahead of real time in total (datetime ends in year 9999)."""
EVENT_PAST = timedelta(days=10 * 366)
EVENT_FUTURE = timedelta(days=1)
"""A control event's ``occurred_at`` must lie within [simulated now - EVENT_PAST, now + EVENT_FUTURE]."""


def json_bytes(data: Any) -> bytes:
    """Encode ``data`` exactly as the server's JSON responses do (compact UTF-8)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")).encode()


def order_payload(order: Order, embed_events: bool = False) -> JSON:
    """Return the backend-API JSON of an order: shipments without their carrier events unless embedded."""
    data = order_to_json(order)
    if not embed_events:
        for shipment in data["shipments"]:
            shipment["events"] = []
    return data


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One published update: SSE ``id``, ``event`` name and JSON ``data``."""

    id: int
    event: str
    data: JSON

    @property
    def text(self) -> str:
        """Return the ``data`` as compact JSON text."""
        return json.dumps(self.data, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Page:
    """A page of orders in (updated_at, order_number) order."""

    orders: tuple[Order, ...]
    next_cursor: str
    has_more: bool
    version: int


def encode_cursor(updated_at: datetime, order_number: str) -> str:
    """Return the opaque cursor of a position (base64url of ``updated_at|order_number``)."""
    raw = f"{format_utc(updated_at)}|{order_number}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """Parse a cursor made by :func:`encode_cursor`; raise ValidationError when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, number = raw.partition("|")
        if not number:
            raise ValueError("no order number")
        return parse_utc(when), number
    except (ValueError, UnicodeDecodeError, binascii.Error, ValidationError) as err:
        raise ValidationError(f"invalid cursor {cursor!r}") from err


def _parse_location(text: str | None) -> tuple[str | None, str | None, str | None]:
    """Split ``"City, ST, CC"`` / ``"City, CC"`` into city, state and ISO country (when recognised)."""
    if not text:
        return None, None, None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    country = parts[-1].upper() if len(parts) > 1 and parts[-1].upper() in COUNTRIES else None
    if country is not None:
        parts = parts[:-1]
    city = parts[0] if parts else None
    state = parts[1] if len(parts) > 1 else None
    return city, state, country


def now_ms() -> datetime:
    """Return the current UTC time to the millisecond (how the demo stamps what it publishes live)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class DemoState:
    """Thread-safe simulation state over generated :class:`DemoData`."""

    def __init__(self, data: DemoData, clock: Callable[[], float] = time.monotonic) -> None:
        self.data = data
        self.lock = threading.RLock()
        self._clock = clock
        self._started = clock()
        self._advanced = timedelta(0)
        self._asof: dict[str, datetime] = {p.order_number: data.now for p in data.plans}
        self._injected: dict[str, list[Checkpoint]] = {}
        self._orders: dict[str, Order] = {o.order_number: o for o in data.orders}
        self._updated: dict[str, datetime] = {o.order_number: o.updated_at or o.placed_at for o in data.orders}
        self._keys: list[tuple[datetime, str]] = sorted((u, n) for n, u in self._updated.items())
        self._high = self._keys[-1][0] if self._keys else data.now
        self._shipment_keys: list[tuple[datetime, str]] = sorted(
            (s.created_at, s.tracking_number) for p in data.plans for s in p.shipments
        )
        queue: list[tuple[datetime, int, int, int, int]] = []
        for i, plan in enumerate(data.plans):
            for k, ev in enumerate(plan.events):
                if ev.occurred_at > data.now:
                    queue.append((ev.occurred_at, i, -1, k, len(queue)))
            for j, ship in enumerate(plan.shipments):
                for k, cp in enumerate(ship.checkpoints):
                    if cp.event.occurred_at > data.now:
                        queue.append((cp.event.occurred_at, i, j, k, len(queue)))
        queue.sort(key=lambda q: (q[0], q[4]))
        self._queue = queue
        self._queue_pos = 0
        self.version = 0
        self._log: list[StreamEntry] = []
        self._next_id = 1
        self._listeners: list[Callable[[StreamEntry], None]] = []
        # rendered JSON, kept until what it shows changes: an order by the identity of its current
        # version, a tracking by (as-of time, injected events, delivery days); a page is then a join
        self._order_json: dict[tuple[str, bool], tuple[Order, bytes]] = {}
        self._tracking_json: dict[str, tuple[tuple[datetime, int, int], bytes]] = {}
        self._visible_numbers: tuple[int, list[str]] | None = None

    # ------------------------------------------------------------ clock

    def sim_now(self) -> datetime:
        """Return the simulated now: the data's ``now`` plus real time elapsed plus any advance."""
        with self.lock:
            return self.data.now + timedelta(seconds=self._clock() - self._started) + self._advanced

    def advance(self, minutes: float) -> tuple[datetime, int]:
        """Move simulated time forward and publish what fell due; return (new now, published count)."""
        if not minutes >= 0:
            raise ValueError("minutes must be >= 0")
        with self.lock:
            step = timedelta(minutes=min(minutes, MAX_ADVANCE.total_seconds() / 60 + 1))
            if self._advanced + step > MAX_ADVANCE:
                raise ValueError(f"simulated time cannot move more than {MAX_ADVANCE.days} days ahead in total")
            self._advanced += step
            return self.sim_now(), self.publish_due()

    @property
    def next_due(self) -> datetime | None:
        """Return the time of the next scheduled event not yet published, or None."""
        with self.lock:
            return self._queue[self._queue_pos][0] if self._queue_pos < len(self._queue) else None

    @property
    def last_event_id(self) -> int:
        """Return the id of the latest stream entry (0 when none)."""
        with self.lock:
            return self._next_id - 1

    # ------------------------------------------------------------ publishing

    def publish_due(self, at: datetime | None = None) -> int:
        """Publish every scheduled event with ``occurred_at <= at`` (default: simulated now)."""
        published = 0
        with self.lock:
            limit = at if at is not None else self.sim_now()
            while self._queue_pos < len(self._queue) and self._queue[self._queue_pos][0] <= limit:
                when, i, j, k, _ = self._queue[self._queue_pos]
                self._queue_pos += 1
                plan = self.data.plans[i]
                self._asof[plan.order_number] = when
                order = self._render(plan)
                if j < 0:
                    self._publish_order_event(plan, order, plan.events[k], when)
                else:
                    ship = plan.shipments[j]
                    self._publish_shipment_event(plan, order, ship, ship.checkpoints[k].event, when)
                published += 1
        return published

    def add_event(
        self,
        tracking_number: str,
        status: str,
        description: str | None = None,
        location: str | None = None,
        subtag: str | None = None,
        occurred_at: datetime | None = None,
    ) -> tuple[StreamEntry, Order]:
        """Append a carrier event stamped now (or ``occurred_at``) to a shipment and publish it.

        Raises KeyError for an unknown tracking number and ValueError for a bad status or subtag, or an
        ``occurred_at`` outside [simulated now - EVENT_PAST, now + EVENT_FUTURE].
        """
        if occurred_at is not None:
            now = self.sim_now().replace(microsecond=0)
            if occurred_at.tzinfo is None or not now - EVENT_PAST <= occurred_at <= now + EVENT_FUTURE:
                raise ValueError(
                    f"occurred_at {occurred_at.isoformat()} is outside the accepted range "
                    f"({format_utc(now - EVENT_PAST)} to {format_utc(now + EVENT_FUTURE)})"
                )
        found = self.data.shipment(tracking_number)
        if found is None:
            raise KeyError(tracking_number)
        plan, ship = found
        try:
            domain_status = ShipmentStatus(status)
        except ValueError as err:
            allowed = ", ".join(s.value for s in ShipmentStatus)
            raise ValueError(f"unknown status {status!r} (one of {allowed})") from err
        code = subtag or DEFAULT_SUBTAG[domain_status]
        if code not in SUBTAGS or SUBTAGS[code].status is not domain_status:
            raise ValueError(f"subtag {code!r} does not fit status {status!r}")
        city, state, country = _parse_location(location)
        with self.lock:
            current = self._orders[plan.order_number]
            if occurred_at is None:
                shown = next((s for s in current.shipments if s.tracking_number == tracking_number), None)
                latest = shown.events[-1].occurred_at if shown is not None and shown.events else None
                stamp = now_ms()  # milliseconds: whole seconds would hide the pipeline in the latency figures
                if latest is not None and stamp <= latest:
                    stamp = latest + timedelta(milliseconds=1)
            else:
                stamp = occurred_at.astimezone(UTC)
            micro = stamp.microsecond
            spec = "seconds" if not micro else "milliseconds" if micro % 1000 == 0 else "microseconds"
            local = stamp.replace(tzinfo=None).isoformat(timespec=spec) + "+00:00"
            event = TrackingEvent(
                occurred_at=stamp,
                status=domain_status,
                description=description or SUBTAGS[code].message,
                offset_known=True,
                local_time=local,
                location=location or None,
                raw_status=code,
            )
            cp = Checkpoint(event=event, subtag=code, city=city, state=state, country=country)
            self._injected.setdefault(tracking_number, []).append(cp)
            order = self._render(plan)
            entry = self._publish_shipment_event(plan, order, ship, event, stamp)
            return entry, self._orders[plan.order_number]

    def _render(self, plan: OrderPlan) -> Order:
        extra: Mapping[str, Sequence[Checkpoint]] | None = None
        for ship in plan.shipments:
            more = self._injected.get(ship.tracking_number)
            if more:
                extra = {**(extra or {}), ship.tracking_number: more}
        return order_at(plan, self._asof[plan.order_number], extra)

    def _store(self, order: Order, candidate: datetime) -> datetime:
        """Store a changed order with an ``updated_at`` later than every earlier one."""
        number = order.order_number
        updated = max(candidate, self._high + _TICK)
        self._high = updated
        old = (self._updated[number], number)
        pos = bisect.bisect_left(self._keys, old)
        if pos < len(self._keys) and self._keys[pos] == old:
            del self._keys[pos]
        bisect.insort(self._keys, (updated, number))
        self._updated[number] = updated
        self._orders[number] = replace(order, updated_at=updated)
        self.version += 1
        return updated

    def _publish_order_event(self, plan: OrderPlan, order: Order, event: OrderEvent, when: datetime) -> StreamEntry:
        updated = self._store(order, when)
        return self._emit(
            "order.updated",
            {
                "order_number": plan.order_number,
                "tracking_number": None,
                "status": order.status.value,
                "event": None,
                "order_event": {
                    "occurred_at": format_utc(event.occurred_at),
                    "kind": "order",
                    "status": event.status.value,
                    "description": event.description,
                },
                "updated_at": format_utc(updated),
            },
        )

    def _publish_shipment_event(
        self, plan: OrderPlan, order: Order, ship: ShipmentPlan, event: TrackingEvent, when: datetime
    ) -> StreamEntry:
        updated = self._store(order, when)
        shown = next((s for s in order.shipments if s.tracking_number == ship.tracking_number), None)
        return self._emit(
            "shipment.updated",
            {
                "order_number": plan.order_number,
                "tracking_number": ship.tracking_number,
                "carrier": ship.carrier,
                "status": shown.status.value if shown is not None else ShipmentStatus.PENDING.value,
                "event": tracking_event_to_json(event),
                "updated_at": format_utc(updated),
            },
        )

    def _emit(self, name: str, data: JSON) -> StreamEntry:
        # when it was published, as a real backend's stream would say: the clock-free latency figure
        entry = StreamEntry(id=self._next_id, event=name, data={**data, "published_at": format_utc(now_ms())})
        self._next_id += 1
        self._log.append(entry)
        if len(self._log) > MAX_LOG:
            del self._log[: MAX_LOG // 2]
        for listener in list(self._listeners):
            listener(entry)
        return entry

    # ------------------------------------------------------------ stream

    def subscribe(
        self, listener: Callable[[StreamEntry], None], last_event_id: int | None = None
    ) -> tuple[list[StreamEntry], Callable[[], None]]:
        """Register a listener; return the entries after ``last_event_id`` to replay and an unsubscribe."""
        with self.lock:
            replay: list[StreamEntry] = []
            if last_event_id is not None and self._log:
                start = max(0, last_event_id - self._log[0].id + 1)
                replay = self._log[start:]
            self._listeners.append(listener)

        def unsubscribe() -> None:
            """Stop calling the listener."""
            with self.lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return replay, unsubscribe

    def log_after(self, last_event_id: int) -> list[StreamEntry]:
        """Return the logged entries after ``last_event_id``."""
        with self.lock:
            if not self._log:
                return []
            return self._log[max(0, last_event_id - self._log[0].id + 1) :]

    # ------------------------------------------------------------ reads

    def page(self, cursor: str | None, limit: int) -> Page:
        """Return the orders after ``cursor`` (exclusive) by (updated_at, order_number)."""
        key = decode_cursor(cursor) if cursor else None
        with self.lock:
            start = bisect.bisect_right(self._keys, key) if key is not None else 0
            chunk = self._keys[start : start + limit]
            orders = tuple(self._orders[n] for _, n in chunk)
            has_more = start + len(chunk) < len(self._keys)
            version = self.version
        next_cursor = encode_cursor(*chunk[-1]) if chunk else (cursor or "")
        return Page(orders=orders, next_cursor=next_cursor, has_more=has_more, version=version)

    def order_json(self, order: Order, embed: bool = False) -> bytes:
        """Return the JSON of ``order`` (an order this state handed out), rendered once per version."""
        key = (order.order_number, embed)
        with self.lock:
            cached = self._order_json.get(key)
            if cached is not None and cached[0] is order:
                return cached[1]
        body = json_bytes(order_payload(order, embed))
        with self.lock:
            self._order_json[key] = (order, body)
        return body

    def page_json(self, page: Page, embed: bool = False) -> bytes:
        """Return the ``/v1/orders`` body of a page from :meth:`page` (each order rendered once per version)."""
        parts = b",".join(self.order_json(o, embed) for o in page.orders)
        tail = json_bytes({"next_cursor": page.next_cursor, "has_more": page.has_more})
        return b'{"orders":[' + parts + b"]," + tail[1:]

    def warm(self, stop: threading.Event | None = None) -> None:
        """Render every order and tracking once ahead of the first requests (run it in a spare thread)."""
        for number in list(self._orders):
            if stop is not None and stop.is_set():
                return
            found = self.order(number)
            if found is not None:
                self.order_json(found)
        for number in self._visible_list():
            if stop is not None and stop.is_set():
                return
            self._tracking_bytes(number)

    def order(self, order_number: str) -> Order | None:
        """Return the current state of one order, or None."""
        with self.lock:
            return self._orders.get(order_number)

    def _visible(self, tracking_number: str) -> tuple[OrderPlan, ShipmentPlan, list[Checkpoint]] | None:
        found = self.data.shipment(tracking_number)
        if found is None:
            return None
        plan, ship = found
        more = self._injected.get(tracking_number, [])
        at = self._asof[plan.order_number]
        if ship.created_at > at and not more:
            return None
        return plan, ship, visible_checkpoints(ship, at, more)

    def tracking(self, slug: str, tracking_number: str) -> JSON | None:
        """Return the AfterShip v4 tracking object of a shipment, or None when it does not exist (yet)."""
        with self.lock:
            found = self._visible(tracking_number)
            if found is None or found[1].carrier != slug:
                return None
            return aftership.tracking_json(*found, now=self.sim_now())

    def _visible_list(self) -> list[str]:
        """Return the tracking numbers that exist by now, oldest created first (kept per version)."""
        with self.lock:
            cached = self._visible_numbers
            if cached is not None and cached[0] == self.version:
                return cached[1]
            numbers = []
            for _, number in self._shipment_keys:
                found = self.data.shipment(number)
                if found is None:
                    continue
                plan, ship = found
                if ship.created_at <= self._asof[plan.order_number] or number in self._injected:
                    numbers.append(number)
            self._visible_numbers = (self.version, numbers)
            return numbers

    def _tracking_bytes(self, number: str) -> bytes:
        """Return the v4 JSON of one visible tracking, rendered again only when what it shows changed."""
        with self.lock:
            found = self._visible(number)
            if found is None:
                return b"null"
            plan, ship, checkpoints = found
            now = self.sim_now().replace(microsecond=0)
            days = aftership.delivery_days(checkpoints, now)
            key = (self._asof[plan.order_number], len(self._injected.get(number, ())), days)
            cached = self._tracking_json.get(number)
            if cached is not None and cached[0] == key:
                return cached[1]
        body = json_bytes(aftership.tracking_json(plan, ship, checkpoints, now))
        with self.lock:
            self._tracking_json[number] = (key, body)
        return body

    def trackings_json(
        self, page: int, limit: int, slugs: Sequence[str] = (), tags: Sequence[str] = (), keyword: str = ""
    ) -> tuple[list[bytes], int]:
        """Return one page of AfterShip trackings as JSON texts (oldest created first) and the total count."""
        if slugs or tags or keyword:
            rendered, count = self.trackings(page, limit, slugs, tags, keyword)
            return [json_bytes(t) for t in rendered], count
        numbers = self._visible_list()
        chosen = numbers[(page - 1) * limit : page * limit]
        return [b for b in (self._tracking_bytes(n) for n in chosen) if b != b"null"], len(numbers)

    def trackings(
        self, page: int, limit: int, slugs: Sequence[str] = (), tags: Sequence[str] = (), keyword: str = ""
    ) -> tuple[list[JSON], int]:
        """Return one page of AfterShip trackings (oldest created first) and the total count."""
        with self.lock:
            now = self.sim_now().replace(microsecond=0)
            rows: list[tuple[OrderPlan, ShipmentPlan, list[Checkpoint]]] = []
            for _, number in self._shipment_keys:
                if keyword and keyword.lower() not in number.lower():
                    found_plan = self.data.shipment(number)
                    if found_plan is None or keyword.lower() not in found_plan[0].order_number.lower():
                        continue
                found = self._visible(number)
                if found is None or (slugs and found[1].carrier not in slugs):
                    continue
                if tags:
                    tag = found[2][-1].tag if found[2] else "Pending"
                    if tag not in tags:
                        continue
                rows.append(found)
            chosen = rows[(page - 1) * limit : page * limit]
            return [aftership.tracking_json(p, s, c, now) for p, s, c in chosen], len(rows)
