"""Deterministic demo data: orders from several channels, merchants and carriers, with their whole story.

``generate(seed, count, now)`` builds, for every order, its complete plan: the order events and, per
shipment, every carrier event it will ever have, including those scheduled after ``now`` so the demo
server can move shipments forward as (simulated) time passes. ``order_at(plan, at)`` renders the
domain ``Order`` as visible at any instant. The same ``(seed, count, now)`` always gives the same data:
one ``random.Random`` per order, seeded from ``random.Random(seed)``; no global RNG, no set iteration.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from tracking_numbers import get_definition

from services.domain import (
    DEMO_SOURCE,
    FINAL_SHIPMENT_STATUSES,
    Address,
    Channel,
    Customer,
    DeliveryWindow,
    LineItem,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    to_utc,
)

from . import catalog as cat
from .carriers import (
    ACTION_REQUIRED_SUBTAGS,
    LIBRARY_COURIER,
    SUBTAGS,
    make_tracking_number,
    message,
    tracking_url,
)

SOURCE = DEMO_SOURCE  # the name the app shows for the embedded demo (one definition, in the domain)
HISTORY_DAYS = 547
"""Orders are placed over the 18 months before ``now``."""

CHANNEL_PREFIX: dict[Channel, str] = {
    Channel.WEB: "W",
    Channel.MOBILE_APP: "M",
    Channel.MARKETPLACE: "MP",
    Channel.IN_STORE: "S",
    Channel.PHONE: "P",
}
_CHANNELS = (Channel.WEB, Channel.MOBILE_APP, Channel.MARKETPLACE, Channel.IN_STORE, Channel.PHONE)
_CHANNEL_WEIGHTS = (45, 25, 15, 8, 7)
_STORIES = ("fulfil", "cancel_early", "cancel_label", "return", "lost", "lost_exc")
_STORY_WEIGHTS = (84, 5, 2, 3, 4, 2)
_KINDS = ("normal", "failed", "pickup", "exception")
_KIND_WEIGHTS = (72, 11, 9, 8)
_OFFSETLESS_CARRIERS = ("dpd", "postnl", "royal-mail", "japan-post")
_MIN = timedelta(minutes=1)
_DAY = timedelta(days=1)
T = TypeVar("T")
_WEEKEND = (5, 6)
_SUNDAY = (6,)


# ---------------------------------------------------------------- public data types


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A carrier event plus the details an AfterShip checkpoint carries (subtag, split location)."""

    event: TrackingEvent
    subtag: str
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None

    @property
    def tag(self) -> str:
        """Return the AfterShip main tag (``InTransit``, ``Delivered``...)."""
        info = SUBTAGS.get(self.subtag)
        return info.tag if info is not None else self.subtag.split("_", 1)[0]

    @property
    def subtag_message(self) -> str:
        """Return AfterShip's message for the subtag."""
        info = SUBTAGS.get(self.subtag)
        return info.message if info is not None else self.tag

    @property
    def raw_tag(self) -> str:
        """Return a carrier-style raw event code."""
        info = SUBTAGS.get(self.subtag)
        return info.raw_tag if info is not None else "XX"

    @property
    def country_iso3(self) -> str | None:
        """Return the ISO 3166 alpha-3 code of the scan country, if known."""
        return cat.COUNTRIES[self.country][0] if self.country in cat.COUNTRIES else None

    @property
    def country_name(self) -> str | None:
        """Return the English name of the scan country, if known."""
        return cat.COUNTRIES[self.country][1] if self.country in cat.COUNTRIES else None


@dataclass(frozen=True, slots=True)
class ShipmentPlan:
    """One parcel: its static facts and every carrier event it will ever have (oldest first)."""

    tracking_number: str
    carrier: str
    carrier_name: str
    tracking_url: str
    service: str
    created_at: datetime
    origin_country: str
    destination_country: str
    weight_kg: float
    estimated_delivery: DeliveryWindow | None
    estimated_delivery_date: str | None
    checkpoints: tuple[Checkpoint, ...]
    eta_revisions: tuple[EtaRevision, ...] = ()
    """Later changes of the estimate, oldest first: each applies from its checkpoint on."""

    def eta_at(self, at: datetime) -> tuple[DeliveryWindow | None, str | None]:
        """Return the estimate (window, local date) as the carrier states it at ``at``."""
        window, day = self.estimated_delivery, self.estimated_delivery_date
        for rev in self.eta_revisions:
            if rev.at <= at:
                window, day = rev.window, rev.date
        return window, day


@dataclass(frozen=True, slots=True)
class EtaRevision:
    """A carrier's revised delivery estimate, announced with the scan at ``at``."""

    at: datetime
    window: DeliveryWindow
    date: str


ETA_REVISION_SHARE = 0.4
"""Share of the shipments with scans still to come whose estimate moves at their next scan."""


def eta_revisions(seed: int, plan: ShipmentPlan, now: datetime) -> tuple[EtaRevision, ...]:
    """Pick, deterministically per seed and tracking number, whether and how the estimate moves later on.

    Only future scans revise (what is visible at ``now`` stays as generated): the next scan that is
    not final moves the window by a day, later twice as often as earlier, so the demo shows ETA
    history as time passes.
    """
    if plan.estimated_delivery is None or plan.estimated_delivery_date is None:
        return ()
    r = random.Random(f"eta:{seed}:{plan.tracking_number}")
    if r.random() >= ETA_REVISION_SHARE:
        return ()
    upcoming = [
        c for c in plan.checkpoints if c.event.occurred_at > now and c.event.status not in FINAL_SHIPMENT_STATUSES
    ]
    if not upcoming:
        return ()
    shift = timedelta(days=1 if r.random() < 2 / 3 else -1)
    eta = plan.estimated_delivery
    day = datetime.fromisoformat(plan.estimated_delivery_date) + shift
    return (
        EtaRevision(
            at=upcoming[0].event.occurred_at,
            window=DeliveryWindow(start=eta.start + shift, end=eta.end + shift),
            date=day.date().isoformat(),
        ),
    )


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """One order: static facts, money, and its whole scheduled story (order events and shipments)."""

    order_number: str
    channel: Channel
    merchant: str
    placed_at: datetime
    currency: str
    items: tuple[LineItem, ...]
    shipping: Decimal
    tax_total: Decimal
    total: Decimal
    customer: Customer
    shipping_address: Address
    events: tuple[OrderEvent, ...]
    shipments: tuple[ShipmentPlan, ...]
    story: str


@dataclass(frozen=True)
class DemoData:
    """The generated demo world: the plans and the orders as visible at ``now``."""

    seed: int
    count: int
    now: datetime
    plans: tuple[OrderPlan, ...]
    orders: tuple[Order, ...]
    _plan_index: dict[str, int] = field(init=False, repr=False, compare=False)
    _shipment_index: dict[str, tuple[int, int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Index plans by order number and shipments by tracking number."""
        plan_index = {p.order_number: i for i, p in enumerate(self.plans)}
        ship_index = {s.tracking_number: (i, j) for i, p in enumerate(self.plans) for j, s in enumerate(p.shipments)}
        object.__setattr__(self, "_plan_index", plan_index)
        object.__setattr__(self, "_shipment_index", ship_index)

    def plan(self, order_number: str) -> OrderPlan | None:
        """Return the plan of an order, or None."""
        i = self._plan_index.get(order_number)
        return self.plans[i] if i is not None else None

    def shipment(self, tracking_number: str) -> tuple[OrderPlan, ShipmentPlan] | None:
        """Return the order plan and shipment plan of a tracking number, or None."""
        at = self._shipment_index.get(tracking_number)
        if at is None:
            return None
        plan = self.plans[at[0]]
        return plan, plan.shipments[at[1]]

    def carrier_events(self, tracking_number: str) -> tuple[Checkpoint, ...]:
        """Return every scheduled carrier event of a shipment, future ones included."""
        found = self.shipment(tracking_number)
        return found[1].checkpoints if found is not None else ()


# ---------------------------------------------------------------- rendering at an instant


def visible_checkpoints(plan: ShipmentPlan, at: datetime, extra: Sequence[Checkpoint] = ()) -> list[Checkpoint]:
    """Return the checkpoints visible at ``at`` plus the injected ``extra`` ones, oldest first."""
    cps = [c for c in plan.checkpoints if c.event.occurred_at <= at]
    if extra:
        cps = sorted([*cps, *extra], key=lambda c: c.event.occurred_at)
    return cps


def shipment_at(plan: ShipmentPlan, at: datetime, extra: Sequence[Checkpoint] = ()) -> Shipment:
    """Render the domain Shipment as visible at ``at``: status follows the latest event by time."""
    cps = visible_checkpoints(plan, at, extra)
    status = ShipmentStatus.PENDING
    substatus: str | None = None
    delivered_at = None
    if cps:
        last = cps[-1]
        status = last.event.status
        substatus = last.subtag
        if status is ShipmentStatus.DELIVERED:
            delivered_at = last.event.occurred_at
    return Shipment(
        tracking_number=plan.tracking_number,
        carrier=plan.carrier,
        carrier_name=plan.carrier_name,
        tracking_url=plan.tracking_url,
        status=status,
        substatus=substatus,
        action_required=substatus in ACTION_REQUIRED_SUBTAGS,
        estimated_delivery=None if status in FINAL_SHIPMENT_STATUSES else plan.eta_at(at)[0],
        delivered_at=delivered_at,
        events=tuple(c.event for c in cps),
    )


def order_at(plan: OrderPlan, at: datetime, extra: Mapping[str, Sequence[Checkpoint]] | None = None) -> Order:
    """Render the domain Order as visible at ``at`` (``extra``: injected checkpoints by tracking number)."""
    events = tuple(e for e in plan.events if e.occurred_at <= at) or plan.events[:1]
    latest = events[-1].occurred_at
    shipments = []
    for sp in plan.shipments:
        more = extra.get(sp.tracking_number, ()) if extra else ()
        if sp.created_at > at and not more:
            continue
        shipment = shipment_at(sp, at, more)
        shipments.append(shipment)
        for ev in shipment.events[-1:]:
            latest = max(latest, ev.occurred_at)
    return Order(
        order_number=plan.order_number,
        source=SOURCE,
        channel=plan.channel,
        placed_at=plan.placed_at,
        status=events[-1].status,
        currency=plan.currency,
        total=plan.total,
        tax_total=plan.tax_total,
        items=plan.items,
        events=events,
        shipments=tuple(shipments),
        merchant=plan.merchant,
        customer=plan.customer,
        shipping_address=plan.shipping_address,
        updated_at=latest,
    )


# ---------------------------------------------------------------- time helpers


def _next_window(t: datetime, zone: cat.Zone, lo: float, hi: float, u: float, skip: tuple[int, ...] = ()) -> datetime:
    """Return an instant after ``t`` inside the local daily window [lo, hi) hours, skipping weekdays."""
    wall, _ = cat.wall_clock(zone, t)
    day = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(wall, day + timedelta(hours=lo))
    end = day + timedelta(hours=hi)
    if start >= end or day.weekday() in skip:
        day += _DAY
        while day.weekday() in skip:
            day += _DAY
        start, end = day + timedelta(hours=lo), day + timedelta(hours=hi)
    cand = start + (end - start) * u
    return cat.from_wall_clock(zone, cand - timedelta(seconds=cand.second, microseconds=cand.microsecond)) + _MIN


def _minutes(r: random.Random, lo: int, hi: int) -> timedelta:
    """Draw a whole number of minutes in [lo, hi]."""
    return timedelta(minutes=lo + int(r.random() * (hi - lo + 1)))


def _pick(r: random.Random, seq: Sequence[T]) -> T:
    """Draw one element uniformly (cheaper than ``Random.choice``)."""
    return seq[int(r.random() * len(seq))]


def _weighted(r: random.Random, seq: Sequence[T], weights: Sequence[int]) -> T:
    """Draw one element with integer weights."""
    x = r.random() * sum(weights)
    for item, w in zip(seq, weights, strict=True):
        x -= w
        if x < 0:
            return item
    return seq[-1]


# ---------------------------------------------------------------- drafts (one order, before numbering)


@dataclass(frozen=True, slots=True)
class _Spec:
    """A forced scenario: makes sure every status, carrier and channel appears in the data."""

    story: str
    target: tuple[str, str]
    carrier: str
    kinds: tuple[str, ...] = ()
    n_ship: int = 0
    international: bool | None = None
    offsetless: bool = False


@dataclass(slots=True)
class _ShipDraft:
    """A shipment under construction."""

    carrier: str = ""
    international: bool = False
    origin_country: str = ""
    dest_country: str = ""
    postcode: str = ""
    weight: float = 0.0
    label_at: datetime = datetime.min.replace(tzinfo=UTC)
    eta: DeliveryWindow | None = None
    eta_date: str | None = None
    checkpoints: list[Checkpoint] = field(default_factory=list)

    def first(self, subtag_prefix: str) -> Checkpoint | None:
        """Return the first checkpoint whose subtag starts with ``subtag_prefix``."""
        for cp in self.checkpoints:
            if cp.subtag.startswith(subtag_prefix):
                return cp
        return None


@dataclass(slots=True)
class _Draft:
    """An order under construction (before numbering and tracking numbers)."""

    channel: Channel = Channel.WEB
    merchant: str = ""
    currency: str = ""
    customer: Customer = field(default_factory=Customer)
    address: Address = field(default_factory=Address)
    items: tuple[LineItem, ...] = ()
    shipping: Decimal = Decimal(0)
    tax_total: Decimal = Decimal(0)
    total: Decimal = Decimal(0)
    story: str = ""
    placed_at: datetime = datetime.min.replace(tzinfo=UTC)
    events: list[OrderEvent] = field(default_factory=list)
    ships: list[_ShipDraft] = field(default_factory=list)


class _CarrierStory:
    """Builds the carrier events of one shipment, strictly increasing in ``occurred_at``."""

    def __init__(self, r: random.Random, ship: _ShipDraft, origin: cat.Place, offsetless: bool, surname: str) -> None:
        self.r = r
        self.ship = ship
        self.origin = origin
        self.offsetless = offsetless
        self.surname = surname

    def add(self, t: datetime, place: cat.Place | None, subtag: str, key: str) -> datetime:
        """Append one checkpoint at (about) ``t``; return the instant actually used."""
        if t.second or t.microsecond:
            t -= timedelta(seconds=t.second, microseconds=t.microsecond)
        zone = place.zone if place is not None else self.origin.zone
        prev = self.ship.checkpoints[-1].event.occurred_at if self.ship.checkpoints else None
        while True:
            wall, off = cat.wall_clock(zone, t)
            if self.offsetless:
                occurred, local = wall, wall.isoformat()[:19]
            else:
                occurred, local = t, wall.isoformat()[:19] + cat.format_offset(off)
            if prev is None or occurred > prev:
                break
            t += prev - occurred + _MIN
        info = SUBTAGS[subtag]
        text = message(self.ship.carrier, key).format(surname=self.surname)
        self.ship.checkpoints.append(
            Checkpoint(
                event=TrackingEvent(
                    occurred_at=occurred,
                    status=info.status,
                    description=text,
                    offset_known=not self.offsetless,
                    local_time=local,
                    location=place.location if place is not None else None,
                    raw_status=subtag,
                ),
                subtag=subtag,
                city=place.city if place is not None else None,
                state=(place.state or None) if place is not None else None,
                postal_code=place.postal if place is not None else None,
                country=place.country if place is not None else None,
            )
        )
        return t

    def build(self, kind: str, start: datetime, depot: cat.Place) -> None:
        """Build the whole carrier story of ``kind`` starting at the label time ``start``."""
        r, ship, origin = self.r, self.ship, self.origin
        carrier = ship.carrier
        t = self.add(start + _minutes(r, 15, 120), None, "InfoReceived_001", "label")
        if kind == "cancel":
            self.add(t + _minutes(r, 70, 1290), None, "Exception_020", "cancelled")
            self._eta(start, None, depot)
            return
        t = self.add(
            _next_window(t + timedelta(minutes=30), origin.zone, 15.5, 19, r.random(), _SUNDAY),
            origin,
            "InTransit_002",
            "pickup",
        )
        t = self.add(t + _minutes(r, 60, 180), origin, "InTransit_007", "depart")
        hub = cat.PLACES.get(cat.HUBS[carrier].get(origin.country, ""), origin)
        if hub != origin:
            t = self.add(t + _minutes(r, 120, 480), hub, "InTransit_003", "arrive_hub")
            t = self.add(t + _minutes(r, 60, 240), hub, "InTransit_007", "depart_hub")
        if kind == "lost":
            self.add(t + timedelta(days=30), None, "Expired_001", "expired")
            self._eta(start, None, depot)
            return
        if kind == "lost_exc":
            self.add(t + _minutes(r, 4 * 1440, 9 * 1440), hub, "Exception_013", "lost")
            self._eta(start, None, depot)
            return
        if ship.international:
            gateway = cat.PLACES.get(cat.HUBS[carrier].get(ship.dest_country, ""), depot)
            t = self.add(t + _minutes(r, 480, 1200), gateway, "InTransit_004", "arrive_country")
            t = self.add(t + _minutes(r, 30, 120), gateway, "InTransit_006", "customs_start")
            delayed, delay_gap, clear_gap = r.random() < 0.25, _minutes(r, 120, 360), _minutes(r, 120, 1200)
            if delayed:
                t = self.add(t + delay_gap, gateway, "Exception_004", "customs_delay")
                clear_gap += timedelta(hours=20)
            t = self.add(t + clear_gap, gateway, "InTransit_005", "customs_done")
            t = self.add(t + _minutes(r, 60, 240), gateway, "InTransit_007", "depart_hub")
        t = self.add(
            _next_window(t + timedelta(hours=2), depot.zone, 3, 6, r.random(), _SUNDAY),
            depot,
            "InTransit_003",
            "arrive_depot",
        )
        if kind == "exception":
            subtag = _pick(r, ("Exception_007", "Exception_012", "Exception_001", "Exception_006"))
            if subtag == "Exception_006" and not ship.international:
                subtag = "Exception_007"
            key = {
                "Exception_007": "exc_address",
                "Exception_012": "exc_damaged",
                "Exception_001": "exc_generic",
                "Exception_006": "exc_payment",
            }[subtag]
            t = self.add(t + _minutes(r, 60, 240), depot, subtag, key)
            t = self.add(
                _next_window(t + _minutes(r, 1440, 3 * 1440), depot.zone, 8, 17, r.random()),
                depot,
                "InTransit_008",
                "resolved",
            )
            t = self.add(
                _next_window(t + timedelta(hours=2), depot.zone, 3, 6, r.random(), _SUNDAY),
                depot,
                "InTransit_003",
                "arrive_depot",
            )
        t = self.add(
            _next_window(t + timedelta(minutes=30), depot.zone, 6.5, 9, r.random(), _SUNDAY),
            depot,
            "OutForDelivery_001",
            "ofd",
        )
        first_ofd = t
        delivered: datetime | None = None
        if kind in ("normal", "exception"):
            subtag = _weighted(r, ("Delivered_001", "Delivered_003", "Delivered_005"), (70, 20, 10))
            key = {
                "Delivered_001": "delivered",
                "Delivered_003": "delivered_signed",
                "Delivered_005": "delivered_neighbour",
            }[subtag]
            delivered = self.add(t + _minutes(r, 90, 540), depot, subtag, key)
        elif kind == "failed":
            t = self.add(t + _minutes(r, 120, 480), depot, "AttemptFail_002", "attempt_na")
            t = self.add(
                _next_window(t + timedelta(hours=10), depot.zone, 6.5, 9, r.random(), _SUNDAY),
                depot,
                "OutForDelivery_001",
                "ofd",
            )
            delivered = self.add(t + _minutes(r, 90, 540), depot, "Delivered_001", "delivered")
        elif kind == "pickup":
            t = self.add(t + _minutes(r, 120, 480), depot, "AttemptFail_001", "attempt")
            t = self.add(t + _minutes(r, 60, 180), depot, "AvailableForPickup_001", "pickup_ready")
            delivered = self.add(
                _next_window(t + _minutes(r, 1440, 4 * 1440), depot.zone, 10, 19, r.random(), _SUNDAY),
                depot,
                "Delivered_002",
                "picked_up",
            )
        else:  # return to sender
            t = self.add(t + _minutes(r, 120, 480), depot, "AttemptFail_002", "attempt_na")
            t = self.add(
                _next_window(t + timedelta(hours=10), depot.zone, 6.5, 9, r.random(), _SUNDAY),
                depot,
                "OutForDelivery_001",
                "ofd",
            )
            t = self.add(t + _minutes(r, 120, 480), depot, "AttemptFail_003", "attempt_closed")
            t = self.add(t + _minutes(r, 60, 180), depot, "AvailableForPickup_001", "pickup_ready")
            t = self.add(
                _next_window(t + _minutes(r, 7 * 1440, 10 * 1440), depot.zone, 8, 12, r.random()),
                depot,
                "Exception_010",
                "returning",
            )
            self.add(
                _next_window(t + _minutes(r, 2 * 1440, 6 * 1440), origin.zone, 9, 17, r.random(), _SUNDAY),
                origin,
                "Exception_011",
                "returned",
            )
        self._eta(start, delivered or first_ofd, depot)

    def _eta(self, start: datetime, anchor: datetime | None, depot: cat.Place) -> None:
        """Set the estimated delivery window: the local day of delivery, 08:00-20:00."""
        if anchor is None:
            anchor = start + timedelta(days=5 if self.ship.international else 2)
        wall, _ = cat.wall_clock(depot.zone, anchor)
        day = wall.replace(hour=0, minute=0, second=0, microsecond=0)
        self.ship.eta_date = day.date().isoformat()
        self.ship.eta = DeliveryWindow(
            start=cat.from_wall_clock(depot.zone, day + timedelta(hours=8)),
            end=cat.from_wall_clock(depot.zone, day + timedelta(hours=20)),
        )


def _exp(currency: str) -> Decimal:
    return Decimal("1") if currency == "JPY" else Decimal("0.01")


def _tax_rate(merchant: cat.Merchant, country: str, region: str) -> Decimal:
    if merchant.country == "US":
        return cat.US_SALES_TAX.get(region, Decimal("0")) if country == "US" else Decimal("0")
    if merchant.country in cat.EU_COUNTRIES:
        return merchant.vat if country in cat.EU_COUNTRIES else Decimal("0")
    return merchant.vat if country == merchant.country else Decimal("0")


def _choose_merchant(r: random.Random, spec: _Spec | None) -> tuple[cat.Merchant, bool, str]:
    """Pick merchant, domestic/international and carrier (honouring a forced scenario)."""
    if spec is None:
        merchant = _pick(r, cat.MERCHANTS)
        domestic = not merchant.destinations or r.random() < 0.78
        carriers = merchant.domestic_carriers if domestic else merchant.international_carriers
        return merchant, domestic, _pick(r, carriers)
    fits = []
    for m in cat.MERCHANTS:
        if spec.international is not True and spec.carrier in m.domestic_carriers:
            fits.append((m, True))
        elif spec.international is not False and m.destinations and spec.carrier in m.international_carriers:
            fits.append((m, False))
    merchant, domestic = _pick(r, fits)
    return merchant, domestic, spec.carrier


def _build(seed_value: int, now: datetime, spec: _Spec | None, channel: Channel | None, p0: datetime | None) -> _Draft:
    """Build one order's draft; ``p0`` forces the placement time (used to fit forced scenarios)."""
    r = random.Random(seed_value)
    d = _Draft()
    merchant, domestic, carrier = _choose_merchant(r, spec)
    country = merchant.country if domestic else _pick(r, merchant.destinations)
    person = _pick(r, cat.PEOPLE[country])
    home = _pick(r, cat.HOMES[country])
    d.channel = channel or _weighted(r, _CHANNELS, _CHANNEL_WEIGHTS)
    d.merchant = (
        merchant.name if d.channel is not Channel.MARKETPLACE else f"{merchant.name} via {merchant.marketplace}"
    )
    d.currency = merchant.currency
    d.customer = Customer(name=person.name, email=f"{person.email}@{_pick(r, cat.EMAIL_DOMAINS)}")
    d.address = Address(
        name=person.name,
        line1=home.line1,
        city=home.city,
        region=home.region,
        postal_code=home.postal_code,
        country=country,
    )

    # items and money
    n_items = _weighted(r, (1, 2, 3, 4), (45, 30, 17, 8))
    if spec is not None and spec.n_ship == 2:
        n_items = max(n_items, 2)
    products = r.sample(merchant.products, n_items)
    exp = _exp(merchant.currency)
    rate = _tax_rate(merchant, country, home.region)
    items = []
    subtotal = Decimal(0)
    tax_total = Decimal(0)
    weight = 0.0
    for product in products:
        qty = _weighted(r, (1, 2, 3), (72, 21, 7))
        line = product.price * qty
        tax = (line * rate).quantize(exp, ROUND_HALF_UP)
        items.append(LineItem(sku=product.sku, name=product.name, quantity=qty, unit_price=product.price, tax=tax))
        subtotal += line
        tax_total += tax
        weight += product.weight_kg * qty
    if domestic:
        shipping = Decimal(0) if subtotal >= merchant.free_shipping_over else merchant.shipping_fee
    else:
        shipping = merchant.international_fee
    shipping = shipping.quantize(exp)
    if merchant.country != "US":
        tax_total += (shipping * rate).quantize(exp, ROUND_HALF_UP)
    d.items = tuple(items)
    d.shipping = shipping
    d.tax_total = tax_total.quantize(exp)
    d.total = (subtotal + shipping + d.tax_total).quantize(exp)

    # the story
    story = spec.story if spec is not None else _weighted(r, _STORIES, _STORY_WEIGHTS)
    d.story = story
    n_ship = 1
    if story == "fulfil":
        n_ship = spec.n_ship if spec is not None and spec.n_ship else (2 if n_items >= 2 and r.random() < 0.22 else 1)
    kinds = list(spec.kinds) if spec is not None and spec.kinds else []
    for _ in range(n_ship):
        kinds.append(_weighted(r, _KINDS, _KIND_WEIGHTS))
    if story in ("return", "lost", "lost_exc"):
        kinds[0] = story
    elif story == "cancel_label":
        kinds[0] = "cancel"
    offsetless = [spec.offsetless if spec is not None and i == 0 else r.random() < 0.1 for i in range(n_ship)]
    u_age, u_p0, u_refund = r.random(), r.random(), r.random()
    if p0 is None:
        recent = u_age < 0.3 and (spec is None or spec.target[0] != "final")
        if recent:
            p0 = now - timedelta(minutes=10) - timedelta(days=14) * u_p0
        else:
            p0 = now - timedelta(days=60) - timedelta(days=HISTORY_DAYS - 61) * u_p0
    p0 = p0.replace(microsecond=0)
    d.placed_at = p0

    warehouse = cat.PLACES[merchant.warehouse]
    depot = cat.PLACES[home.depot]
    wz = warehouse.zone
    ev = d.events
    placed_text = {
        Channel.WEB: "Order placed in the web shop",
        Channel.MOBILE_APP: "Order placed in the mobile app",
        Channel.MARKETPLACE: f"Order placed on {merchant.marketplace}",
        Channel.IN_STORE: "Order placed in store",
        Channel.PHONE: "Order placed by phone",
    }[d.channel]
    ev.append(OrderEvent(p0, OrderStatus.PLACED, placed_text))
    quick = d.channel in (Channel.IN_STORE, Channel.PHONE)
    confirmed = p0 + timedelta(seconds=20 + int(r.random() * 281) if quick else 120 + int(r.random() * 5281))
    if story == "cancel_early":
        if r.random() < 0.6:
            ev.append(OrderEvent(confirmed, OrderStatus.CONFIRMED, "Payment confirmed"))
            ev.append(
                OrderEvent(
                    confirmed + _minutes(r, 30, 1200), OrderStatus.CANCELLED, "Cancelled at the customer's request"
                )
            )
        else:
            ev.append(OrderEvent(p0 + _minutes(r, 5, 40), OrderStatus.CANCELLED, "Cancelled — payment was declined"))
        return d
    ev.append(OrderEvent(confirmed, OrderStatus.CONFIRMED, "Payment confirmed"))
    processing = _next_window(confirmed + timedelta(minutes=10), wz, 8, 17, r.random(), _WEEKEND)
    ev.append(OrderEvent(processing, OrderStatus.PROCESSING, "Picking and packing at the warehouse"))
    label = _next_window(processing + _minutes(r, 120, 480), wz, 9, 18, r.random(), _WEEKEND)
    surname = person.name.split()[-1].upper() if " " in person.name else person.name

    split = max(1, n_items - 1) if n_ship == 2 else n_items
    for i in range(n_ship):
        ship = _ShipDraft()
        ship.carrier = (
            carrier
            if i == 0 or r.random() < 0.8
            else _pick(r, merchant.domestic_carriers if domestic else merchant.international_carriers)
        )
        ship.international = not domestic
        ship.origin_country = merchant.country
        ship.dest_country = country
        ship.postcode = home.postal_code
        ship.weight = round(max(0.1, weight * (split / n_items if i == 0 else 1 - split / n_items)), 2)
        ship.label_at = (
            label if i == 0 else _next_window(label + _minutes(r, 1440, 4 * 1440), wz, 9, 18, r.random(), _WEEKEND)
        )
        flat = offsetless[i] and domestic and ship.carrier in _OFFSETLESS_CARRIERS
        _CarrierStory(r, ship, warehouse, flat, surname).build(kinds[i], ship.label_at, depot)
        d.ships.append(ship)

    first = d.ships[0]
    name = cat.CARRIERS[first.carrier].name
    if story == "cancel_label":
        ev.append(OrderEvent(first.label_at, OrderStatus.PROCESSING, f"Shipping label created with {name}"))
        cancel = first.checkpoints[-1].event.occurred_at
        ev.append(
            OrderEvent(cancel - _minutes(r, 10, 60), OrderStatus.CANCELLED, "Cancelled at the customer's request")
        )
        return _sorted(d)
    _fulfilment_events(r, d, n_items, split)
    last = first.checkpoints[-1]
    if story == "return":
        back = last.event.occurred_at + _minutes(r, 1440, 2 * 1440)
        ev.append(OrderEvent(back, OrderStatus.RETURNED, "Parcel returned to the merchant — refund pending"))
        ev.append(
            OrderEvent(
                back + _minutes(r, 1440, 3 * 1440), OrderStatus.REFUNDED, f"Refund of {d.total} {d.currency} issued"
            )
        )
    elif story == "lost" and u_refund < 0.7:
        ev.append(
            OrderEvent(
                last.event.occurred_at + _minutes(r, 2 * 1440, 6 * 1440),
                OrderStatus.REFUNDED,
                f"Parcel lost in transit — refund of {d.total} {d.currency} issued",
            )
        )
    elif story == "lost_exc":
        ev.append(
            OrderEvent(
                last.event.occurred_at + _minutes(r, 1440, 3 * 1440),
                OrderStatus.REFUNDED,
                f"Parcel lost in transit — refund of {d.total} {d.currency} issued",
            )
        )
    elif story == "fulfil" and u_refund < 0.1:
        done = max(s.checkpoints[-1].event.occurred_at for s in d.ships)
        back = _next_window(done + _minutes(r, 5 * 1440, 20 * 1440), wz, 9, 17, r.random(), _WEEKEND)
        ev.append(OrderEvent(back, OrderStatus.RETURNED, "Return received at the warehouse"))
        if u_refund < 0.085:
            ev.append(
                OrderEvent(
                    back + _minutes(r, 1440, 4 * 1440), OrderStatus.REFUNDED, f"Refund of {d.total} {d.currency} issued"
                )
            )
    return _sorted(d)


def _sorted(d: _Draft) -> _Draft:
    d.events.sort(key=lambda e: e.occurred_at)
    return d


def _fulfilment_events(r: random.Random, d: _Draft, n_items: int, split: int) -> None:
    """Derive the order events of shipping and delivery from the shipments' milestones."""
    n = len(d.ships)
    milestones: list[tuple[datetime, int, int]] = []
    for i, ship in enumerate(d.ships):
        milestones.append((ship.label_at, 0, i))
        delivered = ship.first("Delivered_")
        if delivered is not None:
            milestones.append((delivered.event.occurred_at, 1, i))
    milestones.sort()
    shipped = 0
    done = 0
    for t, kind, i in milestones:
        carrier = cat.CARRIERS[d.ships[i].carrier].name
        if kind == 0:
            shipped += 1
            if n == 1:
                d.events.append(OrderEvent(t, OrderStatus.SHIPPED, f"Shipped with {carrier}"))
            elif shipped == 1:
                d.events.append(
                    OrderEvent(t, OrderStatus.PARTIALLY_SHIPPED, f"{split} of {n_items} items shipped with {carrier}")
                )
            else:
                status = OrderStatus.PARTIALLY_DELIVERED if done else OrderStatus.SHIPPED
                d.events.append(OrderEvent(t, status, f"Remaining items shipped with {carrier}"))
        else:
            done += 1
            at = t + _minutes(r, 1, 20)
            if done == n:
                d.events.append(
                    OrderEvent(at, OrderStatus.DELIVERED, "Delivered" if n == 1 else "All parcels delivered")
                )
            else:
                d.events.append(OrderEvent(at, OrderStatus.PARTIALLY_DELIVERED, f"{done} of {n} parcels delivered"))


# ---------------------------------------------------------------- forced scenarios and fitting


_FORCED: tuple[_Spec, ...] = (
    _Spec("fulfil", ("order", "placed"), "ups"),
    _Spec("fulfil", ("order", "confirmed"), "fedex"),
    _Spec("fulfil", ("order", "processing"), "usps"),
    _Spec("fulfil", ("order", "partially_shipped"), "dhl", ("normal", "normal"), 2),
    _Spec("fulfil", ("ship", "pending"), "royal-mail"),
    _Spec("fulfil", ("ship", "info_received"), "dpd"),
    _Spec("fulfil", ("ship", "in_transit"), "fedex", international=True),
    _Spec("fulfil", ("ship", "out_for_delivery"), "postnl"),
    _Spec("fulfil", ("ship", "failed_attempt"), "japan-post", ("failed",)),
    _Spec("fulfil", ("ship", "available_for_pickup"), "ups", ("pickup",)),
    _Spec("fulfil", ("ship", "exception"), "dhl", ("exception",)),
    _Spec("fulfil", ("order", "partially_delivered"), "usps", ("normal", "failed"), 2),
    _Spec("fulfil", ("order", "shipped"), "ups", international=True),
    _Spec("fulfil", ("final", ""), "dpd", ("normal",)),
    _Spec("cancel_early", ("final", ""), "fedex"),
    _Spec("cancel_label", ("final", ""), "royal-mail"),
    _Spec("return", ("order", "returned"), "fedex"),
    _Spec("return", ("final", ""), "postnl"),
    _Spec("lost", ("final", ""), "usps"),
    _Spec("lost_exc", ("final", ""), "dhl"),
    _Spec("fulfil", ("ship", "in_transit"), "postnl", ("normal",), offsetless=True),
    _Spec("fulfil", ("final", ""), "royal-mail", ("failed",), 2, offsetless=True),
    _Spec("fulfil", ("final", ""), "japan-post", ("normal",), offsetless=True),
)


def _holds(d: _Draft, target: tuple[str, str], t: datetime) -> bool:
    kind, value = target
    if kind == "order":
        status = OrderStatus.PLACED
        for e in d.events:
            if e.occurred_at > t:
                break
            status = e.status
        return status.value == value
    for ship in d.ships:
        if ship.label_at > t:
            continue
        ship_status = ShipmentStatus.PENDING
        for cp in ship.checkpoints:
            if cp.event.occurred_at > t:
                break
            ship_status = cp.event.status
        if ship_status.value == value:
            return True
    return False


def _segment(d: _Draft, target: tuple[str, str]) -> tuple[datetime, datetime | None] | None:
    """Return the first time span [start, end) in which ``target`` holds, or None."""
    times = sorted(
        {e.occurred_at for e in d.events}
        | {s.label_at for s in d.ships}
        | {c.event.occurred_at for s in d.ships for c in s.checkpoints}
    )
    for i, t in enumerate(times):
        if _holds(d, target, t):
            end = next((u for u in times[i + 1 :] if not _holds(d, target, u)), None)
            return t, end
    return None


def _fit(seed_value: int, now: datetime, spec: _Spec, channel: Channel) -> _Draft:
    """Build a forced scenario so that its target state holds exactly at ``now``."""
    if spec.target[0] == "final":
        return _build(seed_value, now, spec, channel, None)
    d = _build(seed_value, now, spec, channel, now - timedelta(days=20))
    for _ in range(12):
        seg = _segment(d, spec.target)
        if seg is None:
            break
        start, end = seg
        if start <= now and (end is None or now < end):
            break
        span = min(end - start, timedelta(hours=12)) if end is not None else timedelta(hours=12)
        d = _build(seed_value, now, spec, channel, d.placed_at + (now - (start + span / 2)))
    seg = _segment(d, spec.target)
    if seg is not None and not (seg[0] <= now and (seg[1] is None or now < seg[1])):
        # Working hours make the target impossible at ``now`` (e.g. no labels on a Saturday): shift as is.
        span = min(seg[1] - seg[0], timedelta(hours=12)) if seg[1] is not None else timedelta(hours=12)
        d = _shifted(d, now - (seg[0] + span / 2))
    return d


def _shift_checkpoint(cp: Checkpoint, delta: timedelta) -> Checkpoint:
    ev = cp.event
    local = ev.local_time
    if local is not None:
        local = (datetime.fromisoformat(local) + delta).isoformat()
    return replace(cp, event=replace(ev, occurred_at=ev.occurred_at + delta, local_time=local))


def _shifted(d: _Draft, delta: timedelta) -> _Draft:
    """Return the draft with every instant moved by ``delta`` (time of day drifts; last resort).

    The estimated delivery moves by whole days only: it stays the carrier's local 08:00-20:00 on a
    named day, as real estimates are (a window shifted into the night would straddle midnight and
    no date-only estimate could name its day).
    """
    delta = timedelta(minutes=round(delta.total_seconds() / 60))
    days = timedelta(days=round(delta / timedelta(days=1)))
    d.placed_at += delta
    d.events = [replace(e, occurred_at=e.occurred_at + delta) for e in d.events]
    for ship in d.ships:
        ship.label_at += delta
        ship.checkpoints = [_shift_checkpoint(cp, delta) for cp in ship.checkpoints]
        if ship.eta is not None:
            ship.eta = DeliveryWindow(start=ship.eta.start + days, end=ship.eta.end + days)
        if ship.eta_date is not None:
            ship.eta_date = (date.fromisoformat(ship.eta_date) + days).isoformat()
    return d


# ---------------------------------------------------------------- generate


_LIBRARY_PRODUCT = {
    "ups": "UPS",
    "fedex": "FedEx Express (12)",
    "usps": "USPS 91",
    "dhl": "DHL Express",
    "royal-mail": "S10",
    "japan-post": "S10",
}


def _library_accepts(carrier: str, number: str) -> bool:
    """Check a number with the ``tracking_numbers`` definition of its carrier's format (check digit included)."""
    product = _LIBRARY_PRODUCT.get(carrier)
    if product is None:  # DPD, PostNL: the library has no definition for them
        return True
    definition = get_definition(product)
    found = definition.test(number) if definition is not None else None
    return found is not None and bool(found.valid) and found.courier.code == LIBRARY_COURIER[carrier]


def generate(seed: int, count: int, now: datetime) -> DemoData:
    """Generate ``count`` orders deterministically for ``seed`` as seen at ``now``."""
    if count < 0:
        raise ValueError("count must be >= 0")
    now = to_utc(now).replace(microsecond=0)
    # Hundreds of thousands of small, acyclic objects: the cyclic GC would only rescan them again and again.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(seed, count, now)
    finally:
        if gc_was_enabled:
            gc.enable()


def _generate(seed: int, count: int, now: datetime) -> DemoData:
    rng = random.Random(seed)
    drafts: list[_Draft] = []
    for i in range(count):
        seed_value = rng.getrandbits(64)
        if i < len(_FORCED):
            drafts.append(_fit(seed_value, now, _FORCED[i], _CHANNELS[i % len(_CHANNELS)]))
        else:
            drafts.append(_build(seed_value, now, None, None, None))

    order = sorted(range(count), key=lambda k: (drafts[k].placed_at, k))
    counters = {ch: 100000 + rng.randrange(0, 900) for ch in _CHANNELS}
    used_numbers: set[str] = set()
    plans: list[OrderPlan] = []
    for k in order:
        d = drafts[k]
        counters[d.channel] += rng.randint(1, 9)
        number = f"{CHANNEL_PREFIX[d.channel]}-{counters[d.channel]}"
        shipments = []
        for ship in d.ships:
            while True:
                tn = make_tracking_number(rng, ship.carrier, ship.international)
                if tn not in used_numbers and _library_accepts(ship.carrier, tn):
                    break
            used_numbers.add(tn)
            info = cat.CARRIERS[ship.carrier]
            planned = ShipmentPlan(
                tracking_number=tn,
                carrier=ship.carrier,
                carrier_name=info.name,
                tracking_url=tracking_url(ship.carrier, tn, ship.dest_country, ship.postcode),
                service=info.international_service if ship.international else info.domestic_service,
                created_at=ship.label_at,
                origin_country=ship.origin_country,
                destination_country=ship.dest_country,
                weight_kg=ship.weight,
                estimated_delivery=ship.eta,
                estimated_delivery_date=ship.eta_date,
                checkpoints=tuple(ship.checkpoints),
            )
            shipments.append(replace(planned, eta_revisions=eta_revisions(seed, planned, now)))
        plans.append(
            OrderPlan(
                order_number=number,
                channel=d.channel,
                merchant=d.merchant,
                placed_at=d.placed_at,
                currency=d.currency,
                items=d.items,
                shipping=d.shipping,
                tax_total=d.tax_total,
                total=d.total,
                customer=d.customer,
                shipping_address=d.address,
                events=tuple(d.events),
                shipments=tuple(shipments),
                story=d.story,
            )
        )
    orders = tuple(order_at(p, now) for p in plans)
    return DemoData(seed=seed, count=count, now=now, plans=tuple(plans), orders=orders)
