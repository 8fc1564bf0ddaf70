"""Events -> Shipment, the same way for every vendor.

    vendor events ──Draft(stamp, status | None, text, location, raw code)──┐
    vendor summary status/code ──Summary──────────────────────────────────┤
                                                                          ├─ build_shipment ──> Shipment
    ETA candidates ──eta_window (first sane one)──────────────────────────┘

Rules applied here (DESIGN.md):
- events are sorted oldest first by ``occurred_at`` (stable: ties keep the vendor's order);
- the shipment status is the status of the latest event by time, not by arrival order; only a
  vendor verdict (cancelled, returned, expired: ``VERDICT_SHIPMENT_STATUSES``) overrides it, so a
  cancelled label whose last scan still says "label created" is never shown as about to ship;
- an event the vendor left unlabelled inherits a status from its neighbours (see ``_fill``);
- ``delivered_at`` is set only for a delivered shipment;
- unknown vendor codes are logged once per code per process (``note_unknown``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.domain import (
    VERDICT_SHIPMENT_STATUSES,
    DeliveryWindow,
    Order,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)

from .carriers import checked_url
from .payload import Estimate, Stamp, estimate

log = logging.getLogger("services.sources")

_seen_unknown: set[tuple[str, str, str]] = set()
_seen_lock = threading.Lock()

ETA_SANITY = timedelta(days=366)
"""An ETA further than this from the shipment's own timeline is test data or garbage (e.g. year 2875)."""

_MOVING = frozenset(
    {
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.AVAILABLE_FOR_PICKUP,
        ShipmentStatus.FAILED_ATTEMPT,
        ShipmentStatus.DELIVERED,
    }
)
_NOT_MOVING_YET = frozenset({ShipmentStatus.PENDING, ShipmentStatus.INFO_RECEIVED})


def note_unknown(vendor: str, field: str, code: str) -> None:
    """Log an unknown vendor code once per (vendor, field, code) for the life of the process."""
    key = (vendor, field, code)
    with _seen_lock:
        if key in _seen_unknown:
            return
        _seen_unknown.add(key)
    log.warning("%s: unknown %s %r; mapped by its main tag or to 'pending'", vendor, field, code)


def lookup(
    table: Mapping[str, ShipmentStatus],
    code: str,
    *,
    vendor: str,
    field: str,
    main: Mapping[str, ShipmentStatus] | None = None,
    separator: str = "_",
) -> ShipmentStatus:
    """Map a vendor code through ``table``; unknown codes go by their main tag, else ``pending``.

    The main tag is the part before ``separator`` (AfterShip ``Exception_099`` -> ``Exception``).
    """
    found = table.get(code)
    if found is not None:
        return found
    note_unknown(vendor, field, code)
    if main is not None:
        head = code.split(separator, 1)[0]
        by_tag = main.get(head)
        if by_tag is not None:
            return by_tag
    return ShipmentStatus.PENDING


@dataclass(frozen=True, slots=True)
class Draft:
    """A vendor event before its status is settled (``status`` None = the vendor gave no label)."""

    stamp: Stamp
    status: ShipmentStatus | None
    description: str
    location: str | None = None
    raw_status: str | None = None


@dataclass(frozen=True, slots=True)
class Summary:
    """The vendor's own shipment-level verdict (status and its raw code).

    ``final``: the vendor says this record has ended (a failed fulfillment request), so its status
    outranks the events even when it is not one of ``VERDICT_SHIPMENT_STATUSES``.
    """

    status: ShipmentStatus
    code: str | None = None
    final: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """A per-number error a vendor returned next to partial results."""

    tracking_number: str | None
    code: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Batch:
    """A batch answer: the shipments that mapped and the vendor's per-number messages."""

    shipments: list[Shipment]
    messages: list[Message]


def join_location(*parts: str | None) -> str | None:
    """Join non-empty location parts with ", " (None when nothing is left)."""
    text = ", ".join(p.strip() for p in parts if p and p.strip())
    return text or None


def _fill(drafts: list[Draft], summary: Summary | None) -> list[TrackingEvent]:
    """Settle unlabelled events (drafts sorted oldest first).

    - the latest event takes the vendor's summary status (it describes the newest state);
    - a scan between "label created" and a later movement event is a movement scan: in transit;
    - otherwise it carries the status of the event before it (an informational scan changes nothing);
    - with nothing before it, it is ``pending``.
    """
    events: list[TrackingEvent] = []
    last_index = len(drafts) - 1
    previous: ShipmentStatus | None = None
    for index, draft in enumerate(drafts):
        status = draft.status
        if status is None:
            if index == last_index and summary is not None:
                status = summary.status
            elif previous in _NOT_MOVING_YET or previous is None:
                later = any(d.status in _MOVING for d in drafts[index + 1 :])
                status = ShipmentStatus.IN_TRANSIT if later else previous or ShipmentStatus.PENDING
            else:
                status = previous
        previous = status
        events.append(
            TrackingEvent(
                occurred_at=draft.stamp.occurred_at,
                status=status,
                description=draft.description,
                offset_known=draft.stamp.offset_known,
                local_time=draft.stamp.local_time,
                location=draft.location,
                raw_status=draft.raw_status,
            )
        )
    return events


def build_shipment(
    *,
    tracking_number: str,
    carrier: str,
    carrier_name: str,
    tracking_url: str | None,
    drafts: Sequence[Draft],
    summary: Summary | None,
    estimated_delivery: DeliveryWindow | None = None,
    delivered_at: datetime | None = None,
    action_codes: frozenset[str] = frozenset(),
    action_flag: bool = False,
) -> Shipment:
    """Assemble a Shipment whose status follows its latest event by time.

    ``summary`` is the vendor's shipment-level status: it is used when there are no events, for the
    latest event when that one is unlabelled, and as ``substatus`` when it agrees with the result.
    ``action_flag`` is the vendor's explicit "action required" for the summary code.
    """
    ordered = sorted(drafts, key=lambda d: d.stamp.occurred_at)
    events = _fill(ordered, summary)
    if events:
        latest = events[-1]
        status = latest.status
        if summary is not None and (summary.final or summary.status in VERDICT_SHIPMENT_STATUSES):
            status = summary.status
    else:
        latest = None
        status = summary.status if summary is not None else ShipmentStatus.PENDING
    from_summary = summary is not None and summary.code is not None and summary.status is status
    substatus = summary.code if from_summary and summary is not None else (latest.raw_status if latest else None)
    action = (substatus in action_codes) or (action_flag and from_summary)
    delivered: datetime | None = None
    if status is ShipmentStatus.DELIVERED:
        scans = [e for e in events if e.status is ShipmentStatus.DELIVERED]
        exact = [e for e in scans if e.offset_known]
        if exact:
            delivered = exact[-1].occurred_at
        elif delivered_at is not None:
            delivered = delivered_at
        elif scans:
            delivered = scans[-1].occurred_at
    return Shipment(
        tracking_number=tracking_number,
        carrier=carrier,
        carrier_name=carrier_name,
        tracking_url=tracking_url,
        status=status,
        substatus=substatus,
        action_required=action,
        estimated_delivery=estimated_delivery,
        delivered_at=delivered,
        events=tuple(events),
    )


def checked_links(order: Order, service: str | None = None) -> Order:
    """Return ``order`` with each shipment's ``tracking_url`` put through the link policy (``safe_link``).

    For sources that hand over finished domain objects (the own backend): a link that is not https on
    the carrier's or the tracking service's domain becomes the carrier page built from the table.
    """
    shipments = tuple(
        replace(s, tracking_url=checked_url(s.tracking_url, s.carrier, s.tracking_number, service))
        for s in order.shipments
    )
    return order if shipments == order.shipments else replace(order, shipments=shipments)


def eta_window(
    candidates: Sequence[tuple[str | None, str | None]],
    reference: datetime | None,
) -> DeliveryWindow | None:
    """Return the first sane ETA window among ``(start, end)`` text pairs (either end may be None).

    Date-only or midnight values cover the whole day (a ``date_only`` window when every end is one);
    a window spans from the earliest start to the
    latest end. A window further than a year from ``reference`` (the shipment's latest known time)
    is discarded as test data or garbage, and the next candidate is tried.
    """
    for start_text, end_text in candidates:
        parts: list[Estimate] = []
        for text in (start_text, end_text):
            if text:
                value = estimate(text)
                if value is not None:
                    parts.append(value)
        if not parts:
            continue
        window = DeliveryWindow(
            start=min(p.start for p in parts),
            end=max(p.end for p in parts),
            date_only=all(p.whole_day for p in parts),  # calendar days stay days (notes/apis.md §11)
        )
        if reference is not None and (
            abs(window.start - reference) > ETA_SANITY or abs(window.end - reference) > ETA_SANITY
        ):
            continue
        return window
    return None


def reference_time(drafts: Sequence[Draft], *fallbacks: datetime | None) -> datetime | None:
    """Return the latest event time, else the first known fallback (created/updated times)."""
    if drafts:
        return max(d.stamp.occurred_at for d in drafts)
    for value in fallbacks:
        if value is not None:
            return value
    return None
