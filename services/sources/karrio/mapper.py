"""Karrio payload -> domain Shipments (pure, total).

    TrackingStatus {"object_type": "tracker", ...}       REST GET/POST/PUT /v1/trackers[/...]
    {"results": [TrackingStatus, ...]}                   REST list page
    {"event": "tracker_updated", "data": TrackingStatus} webhook
    {"tracking": ..., "messages": [...]}                 stateless proxy /v1/proxy/tracking
    [[TrackingDetails, ...], [Message, ...]]             SDK parsed tuple (partial success)
        ──parse_tracker──> Shipment        (messages -> Batch.messages; all-errors -> VendorError)

Quirks handled: connectors drop the carrier's offset and label the local wall clock ``Z``, so every
``timestamp`` is read as a wall clock (``offset_known=False``, ``local_time`` without the false
``Z``); without a timestamp, ``date`` + ``time`` ("09:26 AM", even "14:29 PM") are used; events
arrive newest first; events without a status inherit one (see ``assemble``); ``on_hold`` /
``delivery_failed`` depend on the incident ``reason``; ``"<ANY>"`` test wildcards are not dates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import cast

from services.domain import Shipment, ShipmentStatus, SkippedRecord, ValidationError

from ..assemble import Batch, Draft, Message, Summary, build_shipment, eta_window, lookup, note_unknown, reference_time
from ..carriers import carrier_name, carrier_slug, checked_url
from ..errors import VendorError
from ..payload import (
    TRACKING_KEYS,
    JsonObject,
    Normalized,
    Stamp,
    as_list,
    as_object,
    describe,
    map_each,
    not_a,
    opt_bool,
    opt_instant,
    opt_list,
    opt_object,
    opt_str,
    req_str,
    stamp,
    wall_clock_stamp,
)
from .schema import EventPayload, TrackingStatus
from .status_map import ACTION_REQUIRED, ATTEMPT_REASONS, DELAY_REASONS, REASONS, STATUS

KIND = "karrio"
_CLOCK_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")


def status_of(status_text: str | None, reason: str | None) -> ShipmentStatus | None:
    """Map a Karrio status, letting an incident ``reason`` turn a hold or failed delivery into an exception."""
    if reason and reason not in REASONS and not reason.startswith("retailer_"):
        note_unknown(KIND, "reason", reason)
    if not status_text:
        return None
    if status_text == "on_hold" and reason and reason not in DELAY_REASONS:
        return ShipmentStatus.EXCEPTION
    if status_text == "delivery_failed" and reason and reason not in ATTEMPT_REASONS:
        return ShipmentStatus.EXCEPTION
    return lookup(STATUS, status_text, vendor=KIND, field="status")


def _clock(text: str) -> str | None:
    """Read "09:26 AM", "14:29 PM" (24-hour clock with a stray suffix) or "10:39" as HH:MM:SS."""
    match = _CLOCK_RE.match(text.strip())
    if match is None:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    suffix = (match.group(4) or "").upper()
    if suffix and hour <= 12:
        if suffix == "AM" and hour == 12:
            hour = 0
        elif suffix == "PM" and hour < 12:
            hour += 12
    if hour > 23 or minute > 59 or second > 59:
        return None
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def _stamp(e: JsonObject, where: str) -> Stamp:
    timestamp = opt_str(e, "timestamp", where)
    if timestamp:
        return wall_clock_stamp(timestamp, f"{where}.timestamp")
    day = opt_str(e, "date", where)
    if not day:
        raise ValidationError(f"{where}: missing field 'timestamp'")
    clock_text = opt_str(e, "time", where)
    clock = _clock(clock_text) if clock_text else None
    local = f"{day}T{clock}" if clock else day
    moment = stamp(local, f"{where}.date")
    return Stamp(moment.occurred_at, False, local)


def _event(raw: object, where: str) -> tuple[Draft, str | None]:
    e = cast(EventPayload, as_object(raw, where))
    status_text = opt_str(e, "status", where)
    reason = opt_str(e, "reason", where)
    code = opt_str(e, "code", where)
    draft = Draft(
        stamp=_stamp(e, where),
        status=status_of(status_text, reason),
        description=(opt_str(e, "description", where) or "").strip(),
        location=opt_str(e, "location", where),
        raw_status=code or status_text,
    )
    return draft, reason


def parse_tracker(raw: object, where: str = "karrio tracker") -> Shipment:
    """Map one Karrio tracker / TrackingDetails to a Shipment."""
    t = cast(TrackingStatus, as_object(raw, where))
    number = req_str(t, "tracking_number", where)
    code = opt_str(t, "carrier_name", where) or opt_str(t, "carrier_id", where)
    slug = carrier_slug(code)
    pairs = [_event(e, f"{where}.events[{i}]") for i, e in enumerate(opt_list(t, "events", where))]
    pairs.reverse()  # newest first on the wire; oldest first keeps ties in carrier order
    drafts = [draft for draft, _ in pairs]
    latest_reason = None
    if pairs:
        latest_reason = max(enumerate(pairs), key=lambda ip: (ip[1][0].stamp.occurred_at, ip[0]))[1][1]
    status_text = opt_str(t, "status", where)
    if status_text is None and opt_bool(t, "delivered", where):
        status_text = "delivered"
    mapped = status_of(status_text, latest_reason)
    summary = Summary(mapped, latest_reason or status_text) if mapped is not None else None
    info = opt_object(t, "info", where) or {}
    candidates = [
        (opt_str(t, "estimated_delivery", where), None),
        (opt_str(info, "expected_delivery", f"{where}.info"), None),
    ]
    return build_shipment(
        tracking_number=number,
        carrier=slug,
        carrier_name=carrier_name(slug),
        tracking_url=checked_url(opt_str(info, "carrier_tracking_link", f"{where}.info"), slug, number),
        drafts=drafts,
        summary=summary,
        estimated_delivery=eta_window(candidates, reference_time(drafts)),
        delivered_at=opt_instant(info, "shipment_delivery_date", f"{where}.info"),
        action_codes=ACTION_REQUIRED,
    )


def _messages(raw: list[object], where: str) -> list[Message]:
    out = []
    for i, item in enumerate(raw):
        m = as_object(item, f"{where}[{i}]")
        details = opt_object(m, "details", f"{where}[{i}]") or {}
        out.append(
            Message(
                tracking_number=opt_str(details, "tracking_number", where),
                code=opt_str(m, "code", where),
                text=opt_str(m, "message", where) or "error",
            )
        )
    return out


def parse_batch(payload: object, skipped: list[SkippedRecord] | None = None) -> Batch:
    """Map a batch (SDK ``[details, messages]`` tuple or proxy answer): shipments plus per-number messages."""
    if isinstance(payload, list):
        parts = as_list(payload, "karrio result")
        if len(parts) != 2 or not all(isinstance(p, list) for p in parts):
            raise not_a(KIND, "a parsed result is a [details, messages] pair of lists")
        details, messages = as_list(parts[0], "karrio details"), as_list(parts[1], "karrio messages")
        shipments = _trackers(details, "karrio details", skipped)
        return Batch(shipments, _messages(messages, "karrio messages"))
    body = as_object(payload, KIND)
    tracking = body.get("tracking")
    items = as_list(tracking, "karrio tracking") if isinstance(tracking, list) else ([tracking] if tracking else [])
    shipments = _trackers(items, "karrio tracking", skipped)
    return Batch(shipments, _messages(opt_list(body, "messages", KIND), "karrio messages"))


def _trackers(items: list[object], where: str, skipped: list[SkippedRecord] | None) -> list[Shipment]:
    return map_each(items, parse_tracker, where=where, kind="shipment", keys=TRACKING_KEYS, skipped=skipped)


def _batch_result(batch: Batch) -> Normalized:
    if not batch.shipments and batch.messages:
        first = batch.messages[0]
        subject = f"{first.tracking_number}: " if first.tracking_number else ""
        raise VendorError(f"{KIND}: {subject}{first.text} ({first.code})", vendor=KIND, code=first.code)
    return "shipments", batch.shipments


def normalize(payload: object, skipped: list[SkippedRecord] | None = None) -> Normalized:
    """Detect the Karrio payload shape (REST tracker/list, webhook, proxy, SDK tuple) and map it to Shipments.

    ``skipped``: a tracker of a list or batch that does not fit lands there (see ``map_each``).
    """
    if isinstance(payload, list):
        if len(payload) == 2 and all(isinstance(p, list) for p in payload):
            return _batch_result(parse_batch(payload, skipped))
        return "shipments", _trackers(payload, "karrio trackers", skipped)
    if not isinstance(payload, Mapping):
        raise not_a(KIND, f"expected a JSON object or a [details, messages] pair, got {describe(payload)}")
    body = as_object(payload, KIND)
    if "results" in body:
        results = as_list(body.get("results") or [], "karrio results")
        return "shipments", _trackers(results, "karrio results", skipped)
    if "event" in body and "data" in body:
        event = opt_str(body, "event", "karrio webhook") or "?"
        data = body.get("data")
        if not isinstance(data, Mapping) or "tracking_number" not in data:
            raise not_a(KIND, f"webhook event {event!r} carries no tracker in 'data'")
        return "shipments", [parse_tracker(data, f"karrio webhook {event}.data")]
    if "tracking_number" in body:
        return "shipments", [parse_tracker(body)]
    if "tracking" in body or "messages" in body:
        return _batch_result(parse_batch(body, skipped))
    if "errors" in body:
        errors = opt_list(body, "errors", KIND)
        first = as_object(errors[0], "karrio errors[0]") if errors else {}
        text = opt_str(first, "message", KIND) or "error"
        raise VendorError(f"{KIND}: {text}", vendor=KIND, code=opt_str(first, "code", KIND))
    raise not_a(KIND, "expected a tracker ('tracking_number'), a list ('results'), a webhook or a parsed result")
