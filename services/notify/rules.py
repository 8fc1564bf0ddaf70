"""Notification rules as data, and their pure evaluation.

    RULES (id, title, description, default on/off)  — what a person reads in `prefs show`
    evaluate_event(order, shipment, event, ...)     -> candidates for a new carrier event
    evaluate_order(order, ...)                      -> candidates for commerce events (confirmed, cancelled...)
    evaluate_shipment(order, shipment, before, ...) -> delay (ETA moved later / passed) and stale candidates
    quiet_release(now, start, end, zone)            -> end of the quiet window ``now`` is in, or None

No I/O: everything arrives as arguments (including ``now``); the dispatcher does the rest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    Order,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    eta_deadline,
    eta_iso,
    eta_passed,
    format_utc,
)


class Milestone(StrEnum):
    """What an alert is about (one rule per milestone)."""

    CONFIRMED = "confirmed"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    AVAILABLE_FOR_PICKUP = "available_for_pickup"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    DELAY = "delay"
    STALE = "stale"


@dataclass(frozen=True, slots=True)
class Rule:
    """One business rule, readable by a person."""

    id: str
    title: str
    description: str
    default_on: bool
    once_per_shipment: bool
    """True: a second trigger of the same milestone for the same shipment is a duplicate."""


RULES: tuple[Rule, ...] = (
    Rule("confirmed", "Order confirmed", "The shop confirmed the order.", False, True),
    Rule("shipped", "Shipped", "The parcel left the shop: its first in-transit scan.", True, True),
    Rule("out_for_delivery", "Out for delivery", "The parcel is on the van today.", True, False),
    Rule("delivered", "Delivered", "The carrier reports the parcel delivered.", True, True),
    Rule("available_for_pickup", "Ready for pickup", "The parcel waits at a pickup point or locker.", True, False),
    Rule("failed_attempt", "Delivery attempt failed", "The carrier tried and could not deliver.", True, False),
    Rule(
        "exception",
        "Problem / action required",
        "The carrier reports a problem (customs, damage, address) or needs you to act.",
        True,
        False,
    ),
    Rule("returned", "Returned", "The parcel is on its way back to the sender, or the order was returned.", True, True),
    Rule("cancelled", "Cancelled", "The order or the shipment was cancelled.", True, True),
    Rule(
        "delay",
        "Delayed",
        "The estimated delivery window moved later, or passed without delivery.",
        True,
        False,
    ),
    Rule("stale", "No news", "No carrier update for N days (stale_days) while in transit.", False, False),
)
RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

EVENT_MILESTONES: dict[ShipmentStatus, Milestone] = {
    ShipmentStatus.IN_TRANSIT: Milestone.SHIPPED,
    ShipmentStatus.OUT_FOR_DELIVERY: Milestone.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED: Milestone.DELIVERED,
    ShipmentStatus.AVAILABLE_FOR_PICKUP: Milestone.AVAILABLE_FOR_PICKUP,
    ShipmentStatus.FAILED_ATTEMPT: Milestone.FAILED_ATTEMPT,
    ShipmentStatus.EXCEPTION: Milestone.EXCEPTION,
    ShipmentStatus.RETURNED: Milestone.RETURNED,
    ShipmentStatus.CANCELLED: Milestone.CANCELLED,
}
"""Carrier event status -> milestone (pending, info_received and expired alert nobody)."""

ORDER_MILESTONES: dict[OrderStatus, Milestone] = {
    OrderStatus.CONFIRMED: Milestone.CONFIRMED,
    OrderStatus.CANCELLED: Milestone.CANCELLED,
    OrderStatus.RETURNED: Milestone.RETURNED,
}
"""Commerce event status -> milestone."""

_TRANSIT = frozenset({ShipmentStatus.INFO_RECEIVED, ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY})
_LATE_ONLY = frozenset({Milestone.OUT_FOR_DELIVERY, Milestone.FAILED_ATTEMPT, Milestone.AVAILABLE_FOR_PICKUP})
ETA_TOLERANCE = timedelta(hours=1)
"""An ETA must move later by more than this to count as a delay."""


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """What the rules need from the customer's preferences."""

    enabled: frozenset[str]
    stale_days: int = 5
    history_hours: int = 72
    zone: tzinfo = UTC
    """The customer's time zone: a date-only estimate has passed when its day ended there."""


@dataclass(frozen=True, slots=True)
class ShipmentSnapshot:
    """What the notifier saw of a shipment last time (the 'before' of ETA rules)."""

    status: ShipmentStatus
    eta_end: datetime | None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An alert a rule wants to send, with the reason it fired."""

    rule: str
    order_number: str
    tracking_number: str | None
    trigger: str
    """The triggering event, readable (``delivered @ 2026-11-24T10:00:00Z "Delivered"``)."""
    event_at: datetime | None
    title: str
    body: str
    link: str | None
    history: bool = False
    """True for back-filled or too-old events: logged as suppressed, sent to nobody."""

    @property
    def key(self) -> str:
        """Return the idempotency key: (order, shipment, milestone, triggering event)."""
        text = "\x1f".join((self.order_number, self.tracking_number or "", self.rule, self.trigger))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    @property
    def reason(self) -> str:
        """Return why the alert exists: ``rule X fired on event Y``."""
        return fired_reason(self.rule, self.trigger)


def fired_reason(rule: str, trigger: str) -> str:
    """Return why an alert exists, in the log's words: ``rule X fired on event Y``."""
    return f"rule {rule} fired on event {trigger}"


def alert_reason(status: str, reason: str, rule: str, trigger: str) -> str:
    """Return why a logged alert was sent or not: its stored reason, else ``suppressed`` / the firing rule."""
    text = reason.strip()
    if text:
        return text
    if status == "suppressed":
        return "suppressed"
    return fired_reason(rule, trigger)


def event_trigger(event: TrackingEvent) -> str:
    """Return the readable identity of a carrier event (part of the idempotency key)."""
    return f'{event.status.value} @ {format_utc(event.occurred_at)} "{event.description.strip()}"'


def _where(shipment: Shipment) -> str:
    carrier = shipment.carrier_name or shipment.carrier or "carrier"
    return f"{carrier} {shipment.tracking_number}"


def _is_history(at: datetime, *, live: bool, config: RuleConfig, now: datetime) -> bool:
    return not live or at < now - timedelta(hours=config.history_hours)


def evaluate_event(
    order: Order,
    shipment: Shipment,
    event: TrackingEvent,
    *,
    live: bool,
    config: RuleConfig,
    now: datetime,
) -> list[Candidate]:
    """Return the candidates a new carrier ``event`` of ``shipment`` (already merged in) triggers."""
    milestone = EVENT_MILESTONES.get(event.status)
    if shipment.action_required and event == shipment.latest_event and milestone in (None, Milestone.SHIPPED):
        milestone = Milestone.EXCEPTION  # the carrier needs the customer to act: that is the news
    if milestone is None or milestone.value not in config.enabled:
        return []
    later = [e for e in shipment.events if e.occurred_at > event.occurred_at]
    if milestone in _LATE_ONLY and later:
        return []  # an out-of-order copy of something already overtaken: old news
    if milestone is Milestone.SHIPPED and any(
        e.status is ShipmentStatus.IN_TRANSIT and e.occurred_at < event.occurred_at for e in shipment.events
    ):
        return []  # only the first in-transit scan means "shipped"
    detail = f" — {event.location}" if event.location else ""
    return [
        Candidate(
            rule=milestone.value,
            order_number=order.order_number,
            tracking_number=shipment.tracking_number,
            trigger=event_trigger(event),
            event_at=event.occurred_at,
            title=f"Order {order.order_number}: {RULES_BY_ID[milestone.value].title}",
            body=f"{event.description}{detail} ({_where(shipment)})",
            link=shipment.tracking_url,
            history=_is_history(event.occurred_at, live=live, config=config, now=now),
        )
    ]


def evaluate_order(order: Order, *, live: bool, config: RuleConfig, now: datetime) -> list[Candidate]:
    """Return the candidates of the order's commerce events (confirmed, cancelled, returned)."""
    out: list[Candidate] = []
    for event in order.events:
        milestone = ORDER_MILESTONES.get(event.status)
        if milestone is None or milestone.value not in config.enabled:
            continue
        history = _is_history(event.occurred_at, live=live, config=config, now=now)
        if history:
            continue  # old commerce events of an order seen again are not news; nothing to log
        out.append(
            Candidate(
                rule=milestone.value,
                order_number=order.order_number,
                tracking_number=None,
                trigger=f'order {event.status.value} @ {format_utc(event.occurred_at)} "{event.description}"',
                event_at=event.occurred_at,
                title=f"Order {order.order_number}: {RULES_BY_ID[milestone.value].title}",
                body=event.description or RULES_BY_ID[milestone.value].description,
                link=None,
            )
        )
    return out


def evaluate_shipment(
    order: Order,
    shipment: Shipment,
    before: ShipmentSnapshot | None,
    *,
    live: bool,
    config: RuleConfig,
    now: datetime,
) -> list[Candidate]:
    """Return delay and stale candidates of one shipment (``before`` is the last snapshot, if any)."""
    out: list[Candidate] = []
    if shipment.status in FINAL_SHIPMENT_STATUSES or not live:
        return out
    eta = shipment.estimated_delivery
    where = _where(shipment)
    if "delay" in config.enabled and eta is not None:
        if before is not None and before.eta_end is not None and eta.end > before.eta_end + ETA_TOLERANCE:
            was, now_by = format_utc(before.eta_end), format_utc(eta.end)
            out.append(
                _about(
                    order,
                    shipment,
                    "delay",
                    f"eta moved {was} -> {now_by}",
                    now,
                    "Delayed",
                    f"Now expected by {now_by} (was {was}) ({where})",
                )
            )
        elif eta_passed(eta, now, config.zone) and now - timedelta(hours=config.history_hours) <= eta_deadline(
            eta, config.zone
        ):
            # a date-only estimate is a calendar day: it passed when that day ended where the customer
            # is (not at midnight UTC); the trigger keeps naming the stored end, so its key is stable
            end = format_utc(eta.end)
            expected = f"Expected on {eta_iso(eta)}" if eta.date_only else f"Expected by {end}"
            out.append(
                _about(
                    order,
                    shipment,
                    "delay",
                    f"eta passed {end}",
                    eta_deadline(eta, config.zone),
                    "Delayed",
                    f"{expected}, not delivered yet ({where})",
                )
            )
    latest = shipment.latest_event
    if (
        "stale" in config.enabled
        and latest is not None
        and shipment.status in _TRANSIT
        and now - timedelta(hours=config.history_hours) <= latest.occurred_at + timedelta(days=config.stale_days) < now
    ):
        out.append(
            _about(
                order,
                shipment,
                "stale",
                f"no update since {format_utc(latest.occurred_at)}",
                latest.occurred_at + timedelta(days=config.stale_days),
                "No news from the carrier",
                f"No carrier update for {config.stale_days} days (last: {latest.description}) ({where})",
            )
        )
    return out


def _about(order: Order, shipment: Shipment, rule: str, trigger: str, at: datetime, title: str, body: str) -> Candidate:
    return Candidate(
        rule=rule,
        order_number=order.order_number,
        tracking_number=shipment.tracking_number,
        trigger=trigger,
        event_at=at,
        title=f"Order {order.order_number}: {title}",
        body=body,
        link=shipment.tracking_url,
    )


def quiet_release(now: datetime, start: time, end: time, zone: ZoneInfo) -> datetime | None:
    """Return when the quiet window that contains ``now`` ends (UTC), or None outside quiet hours."""
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    crosses_midnight = start > end
    inside = (start <= clock or clock < end) if crosses_midnight else (start <= clock < end)
    if not inside:
        return None
    day = local.date()
    if crosses_midnight and clock >= start:
        day = day + timedelta(days=1)
    release = datetime.combine(day, end, tzinfo=zone)
    return release.astimezone(UTC)
