"""Pure merge rules: what the cache holds after an incoming order or carrier update.

* Carrier events are only ever added (deduplicated by ``TrackingEvent.identity``; of two copies the
  richer one wins, see :func:`services.domain.merge_events`). An incoming shipment without events
  keeps the cached events.
* A shipment with events takes the status of its latest event by ``occurred_at``
  (:func:`services.domain.with_events`); without events the incoming status is kept.
* Incoming order fields replace the cached ones; optional fields the source left out (``None`` or
  empty) keep the cached value. Order events are added, never removed.
* A shipment payload without carrier events (a merchant that only knows the label) fills gaps
  in a cached shipment that has carrier events but does not overwrite its carrier data (status,
  ETA, action_required...); a payload with events is tracking-aware and its values win. So an
  order re-sync between two carrier polls does not flip the carrier's values back and forth.
* A whole-day estimate (a date-only ETA, kept as that date 00:00:00–23:59:59 UTC) that contains the
  middle of the cached, narrower window says the same thing less precisely (an order feed's
  "Tue 08:00-20:00" and a tracking API's "Tue"): the cached window stays, so two sources do not flip
  the ETA, its history or the delay alerts back and forth.
* A missing ETA is "not mentioned", and the cached one stays, except when it is a withdrawal
  (``withdraws_eta``): the caller (the unit of work) decides that the incoming shipment is a full
  record from the same source and kind of record that gave the cached estimate; the merge then
  drops the estimate when the incoming shipment leads (it is tracking-aware, see above) and is not
  in a final status (a delivered or cancelled parcel's estimate is over, not withdrawn).
* Shipments are matched by tracking number. A cached shipment that the incoming order does not
  list is kept (after the incoming ones), so a partial payload never loses tracking history.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import UTC, timedelta

from services.domain import (
    FINAL_SHIPMENT_STATUSES,
    DeliveryWindow,
    Order,
    OrderEvent,
    Shipment,
    TrackingEvent,
    merge_events,
    with_events,
)

from .convert import utc, utc_event


def normalize_events(events: tuple[TrackingEvent, ...]) -> tuple[TrackingEvent, ...]:
    """Return the events with UTC times (identities then compare across time zones)."""
    return tuple(utc_event(e) for e in events)


_WHOLE_DAY = timedelta(hours=23, minutes=59, seconds=59)


def restates(cached: DeliveryWindow, incoming: DeliveryWindow) -> bool:
    """Tell whether ``incoming`` is a whole-day estimate of the day the narrower ``cached`` window is in."""
    start = incoming.start.astimezone(UTC)
    if start.time() != start.min.time() or incoming.end - incoming.start != _WHOLE_DAY:
        return False
    if cached.end - cached.start >= _WHOLE_DAY:
        return False
    middle = cached.start + (cached.end - cached.start) / 2
    return incoming.start <= middle <= incoming.end


def merge_shipment(cached: Shipment | None, incoming: Shipment, *, withdraws_eta: bool = False) -> Shipment:
    """Merge an incoming shipment into the cached one (events added, status from the latest event).

    ``withdraws_eta``: a missing ETA in ``incoming`` is the carrier withdrawing the cached one (see
    the module doc for when it applies); otherwise a missing ETA keeps the cached estimate.
    """
    incoming_events = normalize_events(incoming.events)
    if cached is None:
        events = merge_events(incoming_events)
        return with_events(incoming, events) if events else incoming
    # A payload without carrier events (a merchant that only knows the label) fills gaps but does
    # not overwrite carrier data already cached; otherwise the incoming values win.
    if cached.events and not incoming_events:
        primary, secondary = cached, incoming
    else:
        primary, secondary = incoming, cached
    base = Shipment(
        tracking_number=cached.tracking_number,
        carrier=incoming.carrier or cached.carrier,
        carrier_name=primary.carrier_name or secondary.carrier_name,
        tracking_url=primary.tracking_url or secondary.tracking_url,
        status=primary.status,
        substatus=primary.substatus if primary.substatus is not None else secondary.substatus,
        action_required=primary.action_required,
        estimated_delivery=primary.estimated_delivery or secondary.estimated_delivery,
        delivered_at=primary.delivered_at or secondary.delivered_at,
    )
    if (
        cached.estimated_delivery is not None
        and base.estimated_delivery is not None
        and restates(cached.estimated_delivery, base.estimated_delivery)
    ):
        base = replace(base, estimated_delivery=cached.estimated_delivery)
    events = merge_events(cached.events, incoming_events)
    merged = with_events(base, events) if events else base
    if (
        withdraws_eta
        and primary is incoming
        and incoming.estimated_delivery is None
        and merged.status not in FINAL_SHIPMENT_STATUSES
    ):
        merged = replace(merged, estimated_delivery=None)
    return merged


def attach_tracking(cached: Shipment, tracked: Shipment, *, withdraws_eta: bool = False) -> Shipment:
    """Attach carrier data (from a tracking API) to a cached shipment of an order."""
    return merge_shipment(cached, replace(tracked, tracking_number=cached.tracking_number), withdraws_eta=withdraws_eta)


def tracking_matches(cached_carrier: str, tracked_carrier: str) -> bool:
    """Tell whether a carrier update for a tracking number applies to a cached shipment's carrier."""
    return not cached_carrier or not tracked_carrier or cached_carrier == tracked_carrier


def _merge_order_events(*groups: tuple[OrderEvent, ...]) -> tuple[OrderEvent, ...]:
    seen: dict[tuple[object, ...], OrderEvent] = {}
    for group in groups:
        for ev in group:
            if ev.occurred_at.tzinfo is not UTC:
                ev = replace(ev, occurred_at=utc(ev.occurred_at))
            seen.setdefault((ev.occurred_at, ev.status, ev.description), ev)
    return tuple(sorted(seen.values(), key=lambda e: e.occurred_at))


def _merge_shipments(
    cached: tuple[Shipment, ...], incoming: tuple[Shipment, ...], withdrawn: Collection[str] = ()
) -> tuple[Shipment, ...]:
    by_number = {s.tracking_number: s for s in cached}
    merged: dict[str, Shipment] = {}
    for ship in incoming:
        previous = merged.get(ship.tracking_number, by_number.get(ship.tracking_number))
        merged[ship.tracking_number] = merge_shipment(previous, ship, withdraws_eta=ship.tracking_number in withdrawn)
    for ship in cached:
        merged.setdefault(ship.tracking_number, ship)
    return tuple(merged.values())


def merge_order(cached: Order | None, incoming: Order, *, withdrawn: Collection[str] = ()) -> Order:
    """Merge an incoming order into the cached one (``None`` when it is new).

    ``withdrawn``: tracking numbers whose missing ETA in ``incoming`` withdraws the cached estimate.
    """
    if cached is None:
        return replace(
            incoming,
            events=_merge_order_events(incoming.events),
            shipments=_merge_shipments((), incoming.shipments),
        )
    return replace(
        incoming,
        items=incoming.items or cached.items,
        merchant=incoming.merchant or cached.merchant,
        customer=incoming.customer if incoming.customer is not None else cached.customer,
        shipping_address=(
            incoming.shipping_address if incoming.shipping_address is not None else cached.shipping_address
        ),
        updated_at=incoming.updated_at if incoming.updated_at is not None else cached.updated_at,
        events=_merge_order_events(cached.events, incoming.events),
        shipments=_merge_shipments(cached.shipments, incoming.shipments, withdrawn),
    )
