"""EasyPost payload -> domain Shipments (pure, total).

    {"object": "Event", "result": Tracker}     webhook / GET /events/:id (no ``result`` -> [])
    {"trackers": [Tracker, ...]}               GET /trackers page
    Tracker                                    GET/POST /trackers
    {"error": {"code", "message"}}             error envelope -> AuthError / VendorError
        ──parse_tracker──> Shipment

Quirks handled: every time says ``Z``, but EasyPost stamps UTC when it lacks the location, so a
detail without city/state/zip is read as a carrier wall clock (``offset_known=False``); the local
ETA strings have no zone (whole-day window) and test data holds absurd dates (year 2875: dropped);
``carrier`` is a display name (mapped to a slug); details may arrive out of time order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from services.domain import Shipment, SkippedRecord

from ..assemble import Draft, Summary, build_shipment, eta_window, join_location, lookup, note_unknown, reference_time
from ..carriers import carrier_name, carrier_slug, safe_link, tracking_url
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
    opt_list,
    opt_object,
    opt_str,
    req_str,
    stamp,
    wall_clock_stamp,
)
from .schema import Tracker, TrackingDetail
from .status_map import ACTION_REQUIRED, STATUS, STATUS_DETAILS

KIND = "easypost"


def _detail(raw: object, where: str) -> Draft:
    d = cast(TrackingDetail, as_object(raw, where))
    when = req_str(d, "datetime", where)
    place = opt_object(d, "tracking_location", where) or {}
    city = opt_str(place, "city", where)
    state = opt_str(place, "state", where)
    postal = opt_str(place, "zip", where)
    country = opt_str(place, "country", where)
    # EasyPost assigns the local zone only when it knows where the scan happened.
    located = bool(city or state or postal)
    moment = stamp(when, f"{where}.datetime", keep_local=False) if located else wall_clock_stamp(when, where)
    status_text = opt_str(d, "status", where)
    detail = opt_str(d, "status_detail", where)
    if detail and detail not in STATUS_DETAILS:
        note_unknown(KIND, "status_detail", detail)
    return Draft(
        stamp=moment,
        status=lookup(STATUS, status_text, vendor=KIND, field="status") if status_text else None,
        description=(opt_str(d, "message", where) or opt_str(d, "description", where) or "").strip(),
        location=join_location(city, state, postal, country),
        raw_status=detail or status_text,
    )


def _url(t: JsonObject, slug: str, number: str, where: str) -> str | None:
    """The carrier's page for live trackers; EasyPost's own page for test ones (EZ... codes) or unknown carriers."""
    public = opt_str(t, "public_url", where)
    if opt_str(t, "mode", where) == "test" and safe_link(public, slug, number, KIND):
        return safe_link(public, slug, number, KIND)
    return tracking_url(slug, number) or safe_link(public, slug, number, KIND)


def parse_tracker(raw: object, where: str = "easypost tracker") -> Shipment:
    """Map one EasyPost Tracker to a Shipment."""
    t = cast(Tracker, as_object(raw, where))
    number = req_str(t, "tracking_code", where)
    given = opt_str(t, "carrier", where)
    slug = carrier_slug(given)
    drafts = [
        _detail(d, f"{where}.tracking_details[{i}]") for i, d in enumerate(opt_list(t, "tracking_details", where))
    ]
    status_text = opt_str(t, "status", where)
    detail = opt_str(t, "status_detail", where)
    summary = (
        Summary(lookup(STATUS, status_text, vendor=KIND, field="status"), detail or status_text)
        if status_text
        else None
    )
    carrier_detail = opt_object(t, "carrier_detail", where) or {}
    local_day = opt_str(carrier_detail, "est_delivery_date_local", where)
    local_time = opt_str(carrier_detail, "est_delivery_time_local", where)
    local_eta = f"{local_day}T{local_time}" if local_day and local_time else local_day
    candidates = [(local_eta, None), (opt_str(t, "est_delivery_date", where), None)]
    reference = reference_time(drafts, opt_instant(t, "updated_at", where), opt_instant(t, "created_at", where))
    return build_shipment(
        tracking_number=number,
        carrier=slug,
        carrier_name=carrier_name(slug, given),
        tracking_url=_url(t, slug, number, where),
        drafts=drafts,
        summary=summary,
        estimated_delivery=eta_window(candidates, reference),
        action_codes=ACTION_REQUIRED,
    )


def _raise_error(body: JsonObject) -> None:
    error = opt_object(body, "error", "easypost error") or {}
    code = opt_str(error, "code", "easypost error") or "ERROR"
    message = opt_str(error, "message", "easypost error") or code
    unauthorized = code.upper().startswith(("APIKEY", "UNAUTHORIZED", "FORBIDDEN"))
    raise error_for_code(KIND, 401 if unauthorized else 400, code, f"{message} ({code})")


def _event(body: JsonObject) -> list[Shipment]:
    description = opt_str(body, "description", "easypost event") or "event"
    result = body.get("result")
    if result is None:
        return []  # an envelope without its object (webhooks guide sample): nothing to update
    obj = as_object(result, f"easypost event {description}.result")
    if obj.get("object") == "Shipment" and isinstance(obj.get("tracker"), Mapping):
        return [parse_tracker(obj.get("tracker"), f"easypost event {description}.result.tracker")]
    if obj.get("object") in ("Tracker", None) and "tracking_code" in obj:
        return [parse_tracker(obj, f"easypost event {description}.result")]
    raise not_a(KIND, f"event {description!r} carries a {obj.get('object') or 'non-Tracker'} object, not a Tracker")


def normalize(payload: object, skipped: list[SkippedRecord] | None = None) -> Normalized:
    """Detect the EasyPost payload shape (Event, tracker list, Tracker) and map it to Shipments.

    ``skipped``: a tracker of a list that does not fit lands there (see ``map_each``).
    """
    if not isinstance(payload, Mapping):
        raise not_a(KIND, f"expected a JSON object, got {describe(payload)}")
    body = as_object(payload, KIND)
    if "error" in body and isinstance(body.get("error"), Mapping):
        _raise_error(body)
    if body.get("object") == "Event" or ("previous_attributes" in body and "description" in body):
        return "shipments", _event(body)
    if "trackers" in body:
        trackers = as_list(body.get("trackers") or [], "easypost trackers")
        return "shipments", map_each(
            trackers, parse_tracker, where="easypost trackers", kind="shipment", keys=TRACKING_KEYS, skipped=skipped
        )
    if body.get("object") == "Tracker" or "tracking_code" in body:
        return "shipments", [parse_tracker(body)]
    raise not_a(KIND, "expected an Event, a Tracker or a tracker list ('trackers')")
