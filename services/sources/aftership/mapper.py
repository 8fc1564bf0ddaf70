"""AfterShip payload -> domain Shipments (pure, total).

    {"meta", "data": {"trackings": [...]}}      list (v4 / 2023-10 page, 2024+ cursor page)
    {"meta", "data": {"tracking": {...}}}        single (GET / POST)
    {"meta", "data": {<tracking fields>}}        single, flat (2025-01+)
    {"meta", "data": {"checkpoint": {...}}}      GET /last_checkpoint
    {"event", "msg": {...}}                      webhook (tracking_update, edd_revise ...)
    {"meta": {"code": 401|4003|...}}             error envelope -> AuthError / VendorError
        ──parse_tracking──> Shipment

Quirks handled: ``checkpoint_time`` is carrier-local with or without an offset (offset-less ->
``offset_known=False``, read as UTC, string kept); EDDs are recipient-local dates (whole-day
windows); ``courier_tracking_link`` is kept only when it names this number on this carrier's site.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from services.domain import Shipment, ShipmentStatus, SkippedRecord

from ..assemble import Draft, Summary, build_shipment, eta_window, join_location, lookup, note_unknown, reference_time
from ..carriers import carrier_name, carrier_slug, checked_url
from ..errors import error_for_code
from ..payload import (
    TRACKING_KEYS,
    JsonObject,
    Normalized,
    as_list,
    as_object,
    describe,
    map_each,
    not_a,
    opt_instant,
    opt_int,
    opt_list,
    opt_object,
    opt_str,
    req_object,
    req_str,
    stamp,
)
from .schema import CheckpointPayload, TrackingPayload
from .status_map import ACTION_REQUIRED, SUBTAGS, TAGS

KIND = "aftership"


def status_of(tag: str | None, subtag: str | None) -> ShipmentStatus | None:
    """Map a tag/subtag pair; an unknown subtag falls back to its tag (None when both are absent)."""
    if subtag:
        found = SUBTAGS.get(subtag)
        if found is not None:
            return found
        if tag and tag in TAGS:
            note_unknown(KIND, "subtag", subtag)
            return TAGS[tag]
        return lookup(SUBTAGS, subtag, vendor=KIND, field="subtag", main=TAGS)
    if tag:
        return lookup(TAGS, tag, vendor=KIND, field="tag")
    return None


def _checkpoint(raw: object, where: str) -> Draft:
    cp = cast(CheckpointPayload, as_object(raw, where))
    when = req_str(cp, "checkpoint_time", where)
    tag = opt_str(cp, "tag", where)
    subtag = opt_str(cp, "subtag", where)
    location = opt_str(cp, "location", where) or join_location(
        opt_str(cp, "city", where),
        opt_str(cp, "state", where),
        opt_str(cp, "postal_code", where) or opt_str(cp, "zip", where),
        opt_str(cp, "country_name", where)
        or opt_str(cp, "country_region_name", where)
        or opt_str(cp, "country_iso3", where)
        or opt_str(cp, "country_region", where),
    )
    description = opt_str(cp, "message", where) or opt_str(cp, "subtag_message", where) or tag or ""
    return Draft(
        stamp=stamp(when, f"{where}.checkpoint_time"),
        status=status_of(tag, subtag),
        description=description.strip(),
        location=location,
        raw_status=subtag or tag,
    )


def _edd_pair(data: JsonObject, key: str, where: str) -> tuple[str | None, str | None] | None:
    """Read one EDD field: a date string, a dated-version object or the v4 AfterShip EDD object."""
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return (opt_str(data, key, where), None)
    edd = opt_object(data, key, where)
    if edd is None:
        return None
    low = opt_str(edd, "datetime_min", where) or opt_str(edd, "estimated_delivery_date_min", where)
    high = opt_str(edd, "datetime_max", where) or opt_str(edd, "estimated_delivery_date_max", where)
    if low or high:
        return (low, high)
    single = opt_str(edd, "datetime", where) or opt_str(edd, "estimated_delivery_date", where)
    return (single, None) if single else None


_EDD_FIELDS = (
    "latest_estimated_delivery",
    "aftership_estimated_delivery_date",
    "courier_estimated_delivery_date",
    "expected_delivery",
    "custom_estimated_delivery_date",
    "first_estimated_delivery",
    "order_promised_delivery_date",
)
"""ETA sources, most to least current."""


def parse_tracking(raw: object, where: str = "tracking") -> Shipment:
    """Map one AfterShip Tracking object to a Shipment."""
    t = cast(TrackingPayload, as_object(raw, where))
    number = req_str(t, "tracking_number", where)
    given_slug = opt_str(t, "slug", where)
    slug = carrier_slug(given_slug)
    drafts = [_checkpoint(cp, f"{where}.checkpoints[{i}]") for i, cp in enumerate(opt_list(t, "checkpoints", where))]
    tag = opt_str(t, "tag", where)
    subtag = opt_str(t, "subtag", where)
    summary_status = status_of(tag, subtag)
    summary = Summary(summary_status, subtag or tag) if summary_status is not None else None
    candidates = [pair for key in _EDD_FIELDS if (pair := _edd_pair(t, key, where)) is not None]
    reference = reference_time(drafts, opt_instant(t, "updated_at", where), opt_instant(t, "created_at", where))
    return build_shipment(
        tracking_number=number,
        carrier=slug,
        carrier_name=carrier_name(slug),
        tracking_url=checked_url(
            [opt_str(t, "courier_tracking_link", where), opt_str(t, "courier_redirect_link", where)], slug, number, KIND
        ),
        drafts=drafts,
        summary=summary,
        estimated_delivery=eta_window(candidates, reference),
        delivered_at=opt_instant(t, "shipment_delivery_date", where),
        action_codes=ACTION_REQUIRED,
    )


def _raise_for_meta(envelope: JsonObject) -> None:
    meta = opt_object(envelope, "meta", "aftership meta")
    if meta is None:
        return
    code = opt_int(meta, "code", "aftership meta")
    if code is None or code in (200, 201, 202):
        return
    message = opt_str(meta, "message", "aftership meta") or opt_str(meta, "type", "aftership meta") or ""
    status = code if code < 600 else 400
    raise error_for_code(KIND, status, code, f"{message} (code {code})".strip())


def _from_data(data: JsonObject, skipped: list[SkippedRecord] | None) -> list[Shipment]:
    if "trackings" in data:
        items = as_list(data.get("trackings") or [], "aftership data.trackings")
        return map_each(
            items, parse_tracking, where="aftership trackings", kind="shipment", keys=TRACKING_KEYS, skipped=skipped
        )
    if "tracking" in data:
        return [parse_tracking(data.get("tracking"), "aftership tracking")]
    if "checkpoint" in data:
        checkpoint = req_object(data, "checkpoint", "aftership last_checkpoint")
        return [parse_tracking({**dict(data), "checkpoints": [checkpoint]}, "aftership last_checkpoint")]
    if "tracking_number" in data:
        return [parse_tracking(data, "aftership tracking")]
    raise not_a(KIND, "'data' holds no 'tracking', 'trackings' or 'checkpoint'")


def normalize(payload: object, skipped: list[SkippedRecord] | None = None) -> Normalized:
    """Detect the AfterShip payload shape and map it to Shipments (``skipped``: see ``map_each``)."""
    if not isinstance(payload, Mapping):
        raise not_a(KIND, f"expected a JSON object, got {describe(payload)}")
    body = as_object(payload, KIND)
    if "msg" in body and "event" in body:
        event = opt_str(body, "event", "aftership webhook") or "?"
        msg = body.get("msg")
        if not isinstance(msg, Mapping) or "tracking_number" not in msg:
            raise not_a(KIND, f"webhook event {event!r} carries no tracking in 'msg'")
        return "shipments", [parse_tracking(msg, f"aftership webhook {event}.msg")]
    if "meta" in body:
        _raise_for_meta(body)
        data = body.get("data")
        if data is None:
            raise not_a(KIND, "missing field 'data'")
        return "shipments", _from_data(as_object(data, "aftership data"), skipped)
    if "tracking_number" in body or "trackings" in body or "tracking" in body:
        return "shipments", _from_data(body, skipped)
    raise not_a(KIND, "expected an API envelope ('meta' + 'data'), a webhook ('event' + 'msg') or a tracking")
