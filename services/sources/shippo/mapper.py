"""Shippo payload -> domain Shipments (pure, total).

    {"event": "track_updated", "data": Track, "carrier": ...}   webhook (top-level carrier fills data.carrier)
    Track                                                       GET /tracks/{carrier}/{number}, POST /tracks
    {"detail": "..."}                                           error body -> AuthError / VendorError
        ──parse_track──> Shipment

Quirks handled: ``substatus`` refines the status (``TRANSIT`` + ``out_for_delivery`` ...) and carries
an explicit ``action_required``; test-mode timestamps are naive (``offset_known=False``); the status
follows the latest history entry by time (a FAILURE in the history does not stick); ``eta`` is a
single instant (a 00:00 one is a whole day); a Track has no tracking URL (derived from the carrier).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from services.domain import AuthError, Shipment, ShipmentStatus

from ..assemble import Draft, Summary, build_shipment, eta_window, join_location, lookup, note_unknown, reference_time
from ..carriers import carrier_name, carrier_slug, tracking_url
from ..errors import VendorError
from ..payload import (
    JsonObject,
    Normalized,
    as_object,
    describe,
    not_a,
    opt_bool,
    opt_list,
    opt_object,
    opt_str,
    req_str,
    stamp,
)
from .schema import Track, TrackingStatus
from .status_map import ACTION_REQUIRED, STATUS, SUBSTATUS

KIND = "shippo"


def status_of(status_text: str | None, code: str | None) -> ShipmentStatus | None:
    """Map a status and its substatus code (the code refines its documented parent status only)."""
    if code:
        known = SUBSTATUS.get(code)
        if known is not None and (status_text is None or known[0] == status_text):
            return known[1]
        if known is None:
            note_unknown(KIND, "substatus", code)
    if status_text:
        return lookup(STATUS, status_text, vendor=KIND, field="status")
    return None


def _substatus(s: JsonObject, where: str) -> tuple[str | None, bool, str | None]:
    sub = opt_object(s, "substatus", where)
    if sub is None:
        return None, False, None
    return opt_str(sub, "code", where), bool(opt_bool(sub, "action_required", where)), opt_str(sub, "text", where)


def _status_event(raw: object, where: str) -> Draft:
    s = cast(TrackingStatus, as_object(raw, where))
    when = req_str(s, "status_date", where)
    status_text = opt_str(s, "status", where)
    code, _, text = _substatus(s, where)
    place = opt_object(s, "location", where) or {}
    return Draft(
        stamp=stamp(when, f"{where}.status_date", keep_local=False),
        status=status_of(status_text, code),
        description=(opt_str(s, "status_details", where) or text or status_text or "").strip(),
        location=join_location(
            opt_str(place, "city", where),
            opt_str(place, "state", where),
            opt_str(place, "zip", where),
            opt_str(place, "country", where),
        ),
        raw_status=code or status_text,
    )


def parse_track(raw: object, where: str = "shippo track", carrier: str | None = None) -> Shipment:
    """Map one Shippo Track to a Shipment (``carrier`` fills a null ``data.carrier`` in webhooks)."""
    t = cast(Track, as_object(raw, where))
    number = req_str(t, "tracking_number", where)
    token = opt_str(t, "carrier", where) or carrier
    slug = carrier_slug(token)
    history = opt_list(t, "tracking_history", where)
    current = opt_object(t, "tracking_status", where)
    drafts = [_status_event(s, f"{where}.tracking_history[{i}]") for i, s in enumerate(history)]
    if not drafts and current is not None and current.get("status_date"):
        drafts = [_status_event(current, f"{where}.tracking_status")]
    summary = None
    action_flag = False
    if current is not None:
        status_text = opt_str(current, "status", f"{where}.tracking_status")
        code, action_flag, _ = _substatus(current, f"{where}.tracking_status")
        mapped = status_of(status_text, code)
        if mapped is not None:
            summary = Summary(mapped, code or status_text)
    candidates = [(opt_str(t, "eta", where), None), (opt_str(t, "original_eta", where), None)]
    return build_shipment(
        tracking_number=number,
        carrier=slug,
        carrier_name=carrier_name(slug),
        tracking_url=tracking_url(slug, number),
        drafts=drafts,
        summary=summary,
        estimated_delivery=eta_window(candidates, reference_time(drafts)),
        action_codes=ACTION_REQUIRED,
        action_flag=action_flag,
    )


def normalize(payload: object) -> Normalized:
    """Detect the Shippo payload shape (webhook or Track) and map it to Shipments."""
    if not isinstance(payload, Mapping):
        raise not_a(KIND, f"expected a JSON object, got {describe(payload)}")
    body = as_object(payload, KIND)
    if "event" in body and "data" in body:
        event = opt_str(body, "event", "shippo webhook") or "?"
        data = body.get("data")
        if not isinstance(data, Mapping) or "tracking_number" not in data:
            raise not_a(KIND, f"webhook event {event!r} carries no Track in 'data'")
        return "shipments", [parse_track(data, f"shippo webhook {event}.data", opt_str(body, "carrier", KIND))]
    if "tracking_number" in body and ("tracking_status" in body or "tracking_history" in body):
        return "shipments", [parse_track(body)]
    if set(body) == {"detail"}:
        message = opt_str(body, "detail", KIND) or "error"
        if any(word in message.lower() for word in ("token", "authenticat", "credential", "permission")):
            raise AuthError(f"{KIND}: {message}")
        raise VendorError(f"{KIND}: {message}", vendor=KIND)
    raise not_a(KIND, "expected a webhook ('event' + 'data') or a Track ('tracking_number' + 'tracking_status')")
