"""17TRACK v2.x payload -> domain Shipments (pure, total).

    {"event": "TRACKING_UPDATED", "data": {number, carrier, track_info}}    webhook
    {"event": "TRACKING_STOPPED", "data": {number, carrier}}                 webhook, no tracking data -> []
    {"code": 0, "data": {"accepted": [...], "rejected": [...]}}             gettrackinfo batch (partial success)
    {"number": ..., "track_info": {...}}                                     one accepted item
        ──parse_item──> Shipment

Quirks handled: events are newest first per provider (sorted by time here); ``time_utc`` is the exact
instant and ``time_iso`` the carrier-local clock (kept as ``local_time``); event ``stage`` is often
null (the latest event takes ``latest_status``; an unlabelled scan between label and movement is in
transit); the registered ``carrier`` id may disagree with the provider that produced the events (the
provider wins); there is no tracking URL per number (derived from the carrier).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from services.domain import RateLimitedError, Shipment, ShipmentStatus, SkippedRecord, ValidationError, clean_text

from ..assemble import (
    Batch,
    Draft,
    Message,
    Summary,
    build_shipment,
    eta_window,
    join_location,
    lookup,
    note_unknown,
    reference_time,
)
from ..carriers import UNIVERSAL_TRACKING_URL, carrier_name, carrier_slug, tracking_url
from ..errors import VendorError, error_for_code
from ..payload import (
    TRACKING_KEYS,
    JsonObject,
    Normalized,
    Stamp,
    as_list,
    as_object,
    as_utc,
    describe,
    map_each,
    not_a,
    opt_int,
    opt_list,
    opt_object,
    opt_str,
    parse_datetime,
    req_object,
    req_str,
    stamp,
)
from .schema import AcceptedItem, EventPayload
from .status_map import ACTION_REQUIRED, AUTH_ERRORS, CARRIERS, LEGACY_STATE, QUOTA_ERRORS, STAGE, STATUS, SUB_STATUS

KIND = "17track"


def _stamp(e: JsonObject, where: str) -> Stamp:
    utc_text = opt_str(e, "time_utc", where)
    iso_text = opt_str(e, "time_iso", where)
    raw = opt_object(e, "time_raw", where)
    raw_text = None
    if raw is not None:
        day = opt_str(raw, "date", where)
        clock = opt_str(raw, "time", where)
        zone = opt_str(raw, "timezone", where)
        raw_text = " ".join(p for p in (day, clock, zone) if p) or None
    if utc_text:
        parsed = parse_datetime(utc_text)
        instant = as_utc(parsed) if parsed is not None else None
        if instant is None:
            raise ValidationError(f"{where}: not a timestamp: {utc_text[:40]!r}")
        return Stamp(instant, True, iso_text or raw_text)
    if iso_text:
        return stamp(iso_text, f"{where}.time_iso")
    if raw is not None and raw_text:
        day = opt_str(raw, "date", where) or ""
        clock = opt_str(raw, "time", where)
        text = f"{day}T{clock}" if clock else day
        local = stamp(text, f"{where}.time_raw")
        return Stamp(local.occurred_at, False, raw_text)
    raise ValidationError(f"{where}: missing field 'time_utc'")


def _status(sub_status: str | None, stage: str | None) -> ShipmentStatus | None:
    if sub_status:
        return lookup(SUB_STATUS, sub_status, vendor=KIND, field="sub_status", main=STATUS)
    if stage:
        return lookup(STAGE, stage, vendor=KIND, field="stage")
    return None


def _event(raw: object, where: str) -> Draft:
    e = cast(EventPayload, as_object(raw, where))
    sub_status = opt_str(e, "sub_status", where)
    stage = opt_str(e, "stage", where)
    address = opt_object(e, "address", where)
    location = opt_str(e, "location", where)
    if location is None and address is not None:
        location = join_location(
            opt_str(address, "city", where),
            opt_str(address, "state", where),
            opt_str(address, "postal_code", where),
            opt_str(address, "country", where),
        )
    return Draft(
        stamp=_stamp(e, where),
        status=_status(sub_status, stage),
        description=(opt_str(e, "description", where) or "").strip(),
        location=location,
        raw_status=sub_status or stage,
    )


def _summary(info: JsonObject, where: str) -> Summary | None:
    latest = opt_object(info, "latest_status", where)
    if latest is None:
        return None
    value = latest.get("status")
    if isinstance(value, int) and not isinstance(value, bool):
        legacy = LEGACY_STATE.get(value)
        return Summary(legacy if legacy is not None else ShipmentStatus.PENDING, str(value))
    status_text = opt_str(latest, "status", f"{where}.latest_status")
    sub_status = opt_str(latest, "sub_status", f"{where}.latest_status")
    if sub_status:
        found = SUB_STATUS.get(sub_status)
        if found is None and status_text in STATUS:
            note_unknown(KIND, "sub_status", sub_status)
            found = STATUS[status_text]
        return Summary(found or _status(sub_status, None) or ShipmentStatus.PENDING, sub_status)
    if status_text:
        return Summary(lookup(STATUS, status_text, vendor=KIND, field="status"), status_text)
    return None


def _carrier(item: JsonObject, blocks: list[tuple[JsonObject | None, list[Draft]]], where: str) -> tuple[str, str]:
    """Pick the provider that produced the latest event; else the registered carrier id."""
    best: JsonObject | None = None
    best_time = None
    for provider, drafts in blocks:
        if provider is None or not drafts:
            continue
        newest = max(d.stamp.occurred_at for d in drafts)
        if best_time is None or newest > best_time:
            best, best_time = provider, newest
    if best is not None:
        key = opt_int(best, "key", where)
        name = opt_str(best, "name", where) or opt_str(best, "alias", where)
        slug = CARRIERS.get(key) if key is not None else None
        if slug is None and name:
            slug = carrier_slug(name)
        if slug is not None:
            return slug, carrier_name(slug, name)
    registered = opt_int(item, "carrier", where)
    slug = CARRIERS.get(registered) if registered is not None else None
    if slug is not None:
        return slug, carrier_name(slug)
    return "unrecognized", "Unrecognized"


def parse_item(raw: object, where: str = "17track item") -> Shipment:
    """Map one tracked number (webhook ``data`` or a gettrackinfo ``accepted`` item) to a Shipment."""
    item = cast(AcceptedItem, as_object(raw, where))
    number = req_str(item, "number", where)
    # A number accepted but not yet tracked may come without info: it is simply pending.
    info = opt_object(item, "track_info", where) or {}
    blocks: list[tuple[JsonObject | None, list[Draft]]] = []
    tracking = opt_object(info, "tracking", f"{where}.track_info")
    if tracking is not None:
        for i, block_raw in enumerate(opt_list(tracking, "providers", f"{where}.tracking")):
            bw = f"{where}.tracking.providers[{i}]"
            block = as_object(block_raw, bw)
            events = [_event(e, f"{bw}.events[{j}]") for j, e in enumerate(opt_list(block, "events", bw))]
            events.reverse()  # newest first on the wire; oldest first keeps ties in carrier order
            blocks.append((opt_object(block, "provider", bw), events))
    drafts = [d for _, events in blocks for d in events]
    if not drafts:
        latest_event = opt_object(info, "latest_event", f"{where}.track_info")
        if latest_event is not None and (latest_event.get("time_utc") or latest_event.get("time_iso")):
            drafts = [_event(latest_event, f"{where}.track_info.latest_event")]
    slug, name = _carrier(item, blocks, where)
    metrics = opt_object(info, "time_metrics", f"{where}.track_info")
    candidates: list[tuple[str | None, str | None]] = []
    if metrics is not None:
        edd = opt_object(metrics, "estimated_delivery_date", f"{where}.time_metrics")
        if edd is not None:
            candidates.append((opt_str(edd, "from", where), opt_str(edd, "to", where)))
    delivered_at = None
    for i, milestone_raw in enumerate(opt_list(info, "milestone", f"{where}.track_info")):
        milestone = as_object(milestone_raw, f"{where}.milestone[{i}]")
        if opt_str(milestone, "key_stage", where) == "Delivered":
            text = opt_str(milestone, "time_utc", where)
            parsed = parse_datetime(text) if text else None
            delivered_at = as_utc(parsed) if parsed is not None else None
    url = tracking_url(slug, number) or UNIVERSAL_TRACKING_URL.format(number=number)
    return build_shipment(
        tracking_number=number,
        carrier=slug,
        carrier_name=name,
        tracking_url=url,
        drafts=drafts,
        summary=_summary(info, f"{where}.track_info"),
        estimated_delivery=eta_window(candidates, reference_time(drafts)),
        delivered_at=delivered_at,
        action_codes=ACTION_REQUIRED,
    )


def _raise_for_code(body: JsonObject, where: str) -> None:
    code = opt_int(body, "code", where)
    if code is None or code == 0:
        return
    message = f"error {code}"
    data = body.get("data")
    if isinstance(data, Mapping):
        for error in data.get("errors") or []:
            if isinstance(error, Mapping) and isinstance(error.get("message"), str):
                message = f"{clean_text(error['message'])[:200]} (code {code})"
                break
    if code in AUTH_ERRORS:
        raise error_for_code(KIND, 401, code, message)
    if code in QUOTA_ERRORS:
        raise RateLimitedError(f"{KIND}: {message}")
    raise VendorError(f"{KIND}: {message}", vendor=KIND, code=code)


def parse_batch(payload: object, skipped: list[SkippedRecord] | None = None) -> Batch:
    """Map a ``gettrackinfo`` answer: accepted numbers as Shipments, rejected ones as messages.

    ``skipped``: an accepted item that does not fit lands there (see ``map_each``).
    """
    body = as_object(payload, "17track response")
    _raise_for_code(body, "17track response")
    data = req_object(body, "data", "17track response")
    accepted = opt_list(data, "accepted", KIND)
    shipments = map_each(
        accepted, parse_item, where="17track accepted", kind="shipment", keys=TRACKING_KEYS, skipped=skipped
    )
    messages = []
    for i, raw in enumerate(opt_list(data, "rejected", KIND)):
        rejected = as_object(raw, f"17track rejected[{i}]")
        error = opt_object(rejected, "error", f"17track rejected[{i}]") or {}
        messages.append(
            Message(
                tracking_number=opt_str(rejected, "number", KIND),
                code=opt_str(error, "code", KIND),
                text=opt_str(error, "message", KIND) or "rejected",
            )
        )
    return Batch(shipments, messages)


def normalize(payload: object) -> Normalized:
    """Detect the 17TRACK payload shape (webhook, gettrackinfo batch, item) and map it to Shipments."""
    if isinstance(payload, list):
        return "shipments", [parse_item(item, f"17track items[{i}]") for i, item in enumerate(as_list(payload, KIND))]
    if not isinstance(payload, Mapping):
        raise not_a(KIND, f"expected a JSON object, got {describe(payload)}")
    body = as_object(payload, KIND)
    if "event" in body:
        event = opt_str(body, "event", "17track webhook") or "?"
        data = body.get("data")
        if not isinstance(data, Mapping):
            raise not_a(KIND, f"webhook event {event!r} has no 'data' object")
        if event == "TRACKING_STOPPED" or (event != "TRACKING_UPDATED" and "track_info" not in data):
            return "shipments", []
        return "shipments", [parse_item(data, f"17track webhook {event}.data")]
    if "code" in body and "data" in body:
        batch = parse_batch(body)
        if not batch.shipments and batch.messages:
            first = batch.messages[0]
            raise VendorError(f"{KIND}: {first.tracking_number}: {first.text}", vendor=KIND, code=first.code)
        return "shipments", batch.shipments
    if "number" in body and "track_info" in body:
        return "shipments", [parse_item(body)]
    raise not_a(KIND, "expected a webhook ('event' + 'data'), a gettrackinfo answer ('code' + 'data') or an item")
