"""The UI test harness (:class:`UiApp`, :class:`FakeContainer`), tree helpers, settling, realistic orders."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import flet as ft
from flet.messaging.protocol import MessageAction
from flet.messaging.session import Session

from app.live import SyncHub
from app.session import make_session_main
from app.settings import Settings
from app.state import StoreGateway, initial_sync_info
from services.credentials import MemoryCredentialStore
from services.domain import (
    Channel,
    DeliveryWindow,
    LineItem,
    Order,
    OrderEvent,
    OrderStatus,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
    with_events,
)
from services.storage import Store
from services.storage.archive import move_to_history
from services.sync import SyncReport

T0 = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
"""When the first realistic order (:func:`make_order`) was placed."""
RECEIVED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
"""When :func:`fill` writes the orders into the cache."""
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
"""The tests' "now": hand-made orders (:func:`order`, :func:`parcel`) are placed relative to it."""


# ----------------------------------------------------------------------------- tree helpers


def find(control: Any, pred: Callable[[Any], bool]) -> list[Any]:
    """Depth-first search through a control tree (controls / content / title / ... children)."""
    out: list[Any] = []

    def walk(c: Any) -> None:
        if isinstance(c, ft.BaseControl):
            if pred(c):
                out.append(c)
            for name in (
                "controls",
                "content",
                "title",
                "subtitle",
                "leading",
                "trailing",
                "appbar",
                "navigation_bar",
                "actions",
                "destinations",
                "icon",
            ):
                v = getattr(c, name, None)
                for ch in v if isinstance(v, list) else [v]:
                    walk(ch)

    walk(control)
    return out


def page_root(page: ft.Page) -> list[Any]:
    """Return the page's views (what the shell shows)."""
    return list(page.views)


def texts(page_or_control: Any) -> list[str]:
    """Return every visible Text value under a page (all views) or a control."""
    roots = page_or_control.views if isinstance(page_or_control, ft.Page) else [page_or_control]
    out: list[str] = []
    for root in roots:
        out.extend(t.value for t in find(root, lambda c: isinstance(c, ft.Text) and _visible(c)))
    return out


def top_texts(page: ft.Page) -> list[str]:
    """Return the Text values of the top-most view only."""
    return texts(page.views[-1])


def _visible(c: Any) -> bool:
    node = c
    while node is not None:
        if getattr(node, "visible", True) is False:
            return False
        node = getattr(node, "parent", None)
    return True


def by_type(page: ft.Page, kind: type, pred: Callable[[Any], bool] = lambda c: True) -> list[Any]:
    """Find controls of ``kind`` in the top-most view."""
    return find(page.views[-1], lambda c: isinstance(c, kind) and pred(c))


def timeline_rows(page: ft.Page) -> list[list[str]]:
    """Return the texts of each timeline row (a Stack: dot + text column) of the top-most view."""
    return [texts(row) for row in by_type(page, ft.Stack)]


async def type_during_a_late_read(
    session: Any, field_: ft.TextField, first: str, then: str, monkeypatch: Any, owner: type, read: str
) -> None:
    """Type ``first``, then ``then`` while the read ``owner.read`` of ``first`` is held on its worker thread.

    The client patches the field before the server paints ``first``'s late result: that painting must not
    write the older text back over the newer key. Ends with ``then`` typed and its result painted.
    """
    reading, release = threading.Event(), threading.Event()
    real = getattr(owner, read)
    calls = 0

    def held_first_read(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            reading.set()
            assert release.wait(10), "the test never released the read"
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, read, held_first_read)
    field_.value = first
    typed = asyncio.create_task(session.dispatch_event(field_._i, "change", first))
    assert await asyncio.to_thread(reading.wait, 10), f"the search for {first} never read the cache"
    field_.value = then  # the next key lands in the client while ``first`` is being read
    release.set()
    await typed
    await settle()
    assert field_.value == then, f"the late result for {first!r} overwrote {then!r}"
    await session.dispatch_event(field_._i, "change", then)
    await settle()
    assert field_.value == then


async def settle(rounds: int = 6) -> None:
    """Let queued tasks (worker-thread reads, run_task calls, route events) finish."""
    for _ in range(rounds):
        await asyncio.sleep(0.02)


# ----------------------------------------------------------------------------- data


def tracking_event(
    t: datetime,
    status: ShipmentStatus,
    description: str,
    location: str | None,
    *,
    offset_known: bool = True,
    local_time: str | None = None,
) -> TrackingEvent:
    """A carrier event."""
    return TrackingEvent(
        occurred_at=t,
        status=status,
        description=description,
        location=location,
        offset_known=offset_known,
        local_time=local_time,
        raw_status=status.value,
    )


def ups_parcel(number: str, events: tuple[TrackingEvent, ...], eta: DeliveryWindow | None = None) -> Shipment:
    """A UPS parcel with ``events`` (its status follows the latest)."""
    return with_events(
        Shipment(
            tracking_number=number,
            carrier="ups",
            carrier_name="UPS",
            tracking_url=f"https://www.ups.com/track?tracknum={number}",
            estimated_delivery=eta,
        ),
        events,
    )


def parcel(
    number: str,
    *events: tuple[timedelta, ShipmentStatus, str],
    eta: DeliveryWindow | None = None,
    now: datetime = NOW,
) -> Shipment:
    """A UPS parcel whose events happened ``delta`` before ``now``."""
    scans = tuple(tracking_event(now - d, st, text, "Louisville, KY, US") for d, st, text in events)
    return ups_parcel(number, scans, eta)


def build_order(
    number: str,
    placed: datetime,
    shipments: tuple[Shipment, ...],
    *,
    status: OrderStatus = OrderStatus.SHIPPED,
    channel: Channel = Channel.WEB,
    total: Decimal = Decimal("49.90"),
    tax_total: Decimal = Decimal("8.32"),
    items: tuple[LineItem, ...] = (),
    events: tuple[OrderEvent, ...] | None = None,
) -> Order:
    """The one builder of hand-made orders (every other builder here fills it in)."""
    return Order(
        order_number=number,
        source="demo",
        channel=channel,
        placed_at=placed,
        status=status,
        currency="EUR",
        total=total,
        tax_total=tax_total,
        items=items,
        events=events if events is not None else (OrderEvent(placed, OrderStatus.PLACED, f"Order {number} placed"),),
        shipments=shipments,
        merchant="Northwind Outdoor",
    )


def order(
    number: str,
    placed_ago: timedelta,
    *shipments: Shipment,
    status: OrderStatus = OrderStatus.SHIPPED,
    now: datetime = NOW,
) -> Order:
    """An order placed ``placed_ago`` before ``now``."""
    return build_order(number, now - placed_ago, shipments, status=status)


def make_order(i: int, *, day: int | None = None, prefix: str = "W-") -> Order:
    """A realistic order placed ``day`` days after T0: placed, confirmed, one or two parcels with carrier events."""
    placed = T0 + timedelta(days=day if day is not None else i % 20, hours=i % 7)
    number = f"{prefix}{10000 + i}"
    ups = ups_parcel(
        f"1Z999AA1{i:010d}",
        (
            tracking_event(placed + timedelta(hours=5), ShipmentStatus.INFO_RECEIVED, "Label created", None),
            tracking_event(
                placed + timedelta(hours=30), ShipmentStatus.IN_TRANSIT, "Departed facility", "Louisville, KY, US"
            ),
        ),
        DeliveryWindow(placed + timedelta(days=4), placed + timedelta(days=4, hours=10)),
    )
    shipments = [ups]
    if i % 3 == 0:
        shipments.append(
            with_events(
                Shipment(tracking_number=f"RM{i:09d}GB", carrier="royal-mail", carrier_name="Royal Mail"),
                (
                    tracking_event(
                        placed + timedelta(hours=20),
                        ShipmentStatus.IN_TRANSIT,
                        "Item received at sorting office",
                        "Birmingham, GB",
                        offset_known=False,
                        local_time=f"{(placed + timedelta(hours=20)):%Y-%m-%dT%H:%M:%S}",
                    ),
                ),
            )
        )
    price = Decimal("129.90") + i
    return build_order(
        number,
        placed,
        tuple(shipments),
        channel=[Channel.WEB, Channel.MOBILE_APP, Channel.MARKETPLACE][i % 3],
        total=price,
        tax_total=Decimal("20.74"),
        items=(LineItem(sku=f"SKU-{i}", name="Trail running shoes", quantity=1, unit_price=price),),
        events=(
            OrderEvent(placed, OrderStatus.PLACED, "Order placed"),
            OrderEvent(placed + timedelta(minutes=10), OrderStatus.CONFIRMED, "Payment confirmed"),
            OrderEvent(placed + timedelta(hours=26), OrderStatus.SHIPPED, "Handed to the carrier"),
        ),
    )


def sync_report(source: str = "demo", **fields: Any) -> SyncReport:
    """A finished pass of ``source`` (just now, unless ``finished_at`` says otherwise), as the engine reports it."""
    fields.setdefault("finished_at", datetime.now(UTC))
    return SyncReport(source, **fields)


def fill(store: Store, orders: list[Order], *, at: datetime = RECEIVED) -> None:
    """Write orders into the cache the way a sync does."""
    with store.transaction() as uow:
        uow.upsert_orders(orders, source="demo", received_at=at, live=False)


class FakeContainer:
    """The app container as the session and Settings' admin actions read it (``app.admin.AdminContainer``).

    A real store, settings kept in memory, an in-memory keyring, and a one-source sync that answers
    with :attr:`sync_result` (recording the request in :attr:`synced`).
    """

    def __init__(
        self, store: Store, home: Path | None = None, *, is_demo: bool | None = None, now: datetime | None = None
    ) -> None:
        """``is_demo`` fixes the demo flag (default: demo while no source is configured)."""
        self.store = store
        self.home = home or store.path.parent
        self.settings = Settings()
        self.credentials = MemoryCredentialStore()
        self.synced: list[str | None] = []
        self.sync_result: list[Any] = []
        self._demo = is_demo
        self._now = now

    @property
    def is_demo(self) -> bool:
        """Tell whether the app runs on the embedded demo."""
        return not self.store.sources.list() if self._demo is None else self._demo

    def sync_once(self, only: str | None = None) -> list[Any]:
        """Record the request; answer with the prepared reports."""
        self.synced.append(only)
        return self.sync_result

    def move_to_history(self, after_days: int | None = None) -> int:
        """Move finished orders by the History delay (as of ``now`` when given)."""
        days = self.settings.history_after_days if after_days is None else after_days
        return move_to_history(self.store, after_days=days, now=self._now)

    def set_history_after_days(self, days: int) -> int:
        """Keep the new delay (in memory) and apply it."""
        self.settings.history_after_days = days
        return self.move_to_history()


class UiApp:
    """One running session of the real app (``app.session.make_session_main``) over a store: the UI harness."""

    def __init__(self, session: Session, store: Store, tmp_path: Path, *, is_demo: bool = True) -> None:
        """Prepare the session's container and the process-level hub (nothing runs before :meth:`start`)."""
        self.session = session
        self.page = session.page
        self.store = store
        self.container = FakeContainer(store, tmp_path, is_demo=is_demo)
        self.hub = SyncHub(initial_sync_info(StoreGateway(store), is_demo=is_demo))

    async def start(self, route: str = "/orders", *, rounds: int = 6) -> UiApp:
        """Run the real per-session main on ``route`` and let the first paint settle."""
        self.page.route = route
        await make_session_main(self.container, self.hub)(self.page)
        self.session.get_page_patch()
        await settle(rounds)
        return self

    async def go(self, route: str, *, rounds: int = 10) -> None:
        """Change the route the way the client reports it."""
        self.page.route = route
        await self.session.dispatch_event(self.page._i, "route_change", {"route": route})
        await settle(rounds)

    def texts(self) -> list[str]:
        """Return the visible texts of the top-most view."""
        return top_texts(self.page)

    def tiles(self) -> list[ft.ListTile]:
        """Return the clickable rows."""
        return by_type(self.page, ft.ListTile, lambda t: t.on_click is not None)

    def search_field(self, label: str = "Search orders") -> ft.TextField:
        """Return the search field labelled ``label``."""
        return by_type(self.page, ft.TextField, lambda t: t.label == label)[0]

    def buttons(self, tooltip: str) -> list[Any]:
        """Return the controls whose tooltip is ``tooltip``."""
        return by_type(self.page, ft.BaseControl, lambda c: getattr(c, "tooltip", None) == tooltip)

    def button(self, text: str) -> Any:
        """Return the first control labelled ``text`` (button text or tooltip)."""
        found = by_type(
            self.page,
            ft.BaseControl,
            lambda c: getattr(c, "content", None) == text
            or getattr(c, "tooltip", None) == text
            or (isinstance(getattr(c, "content", None), ft.Text) and c.content.value == text),
        )
        assert found, f"no button {text!r} on screen: {self.texts()}"
        return found[0]

    def labelled(self, kind: type, text: str) -> list[Any]:
        """Return the controls of ``kind`` whose text, tooltip or title says ``text``."""

        def says(c: Any) -> bool:
            content = getattr(c, "content", None)
            title = getattr(c, "title", None)
            return (
                content == text
                or getattr(c, "tooltip", None) == text
                or (isinstance(content, ft.Text) and content.value == text)
                or (isinstance(title, ft.Text) and title.value == text)
            )

        return by_type(self.page, kind, says)

    async def pick(self, label: str, option: str) -> None:
        """Choose ``option`` in the filter menu labelled ``label``."""
        menu = by_type(
            self.page,
            ft.PopupMenuButton,
            lambda m: any(
                isinstance(t, ft.Text) and str(t.value).startswith(f"{label}: ")
                for t in find(m.content, lambda c: True)
            ),
        )
        assert menu, f"no {label} menu: {self.texts()}"
        items = [i for i in menu[0].items if i.content == option]
        assert items, f"{option!r} not offered by {label}: {[i.content for i in menu[0].items]}"
        await self.click(items[0])

    def dialog(self) -> Any:
        """Return the open dialog."""
        open_ = [d for d in self.page._dialogs.controls if getattr(d, "open", False)]
        assert open_, "no dialog is open"
        return open_[-1]

    def toggles(self) -> list[ft.TextButton]:
        """Return the "ETA changes (n)" toggles of the open order."""
        return by_type(self.page, ft.TextButton, lambda b: str(b.content).startswith("ETA changes"))

    def nav(self) -> ft.NavigationRail | ft.NavigationBar:
        """Return the navigation (rail when wide, bar when narrow)."""
        view = self.page.views[0]
        if view.navigation_bar is not None:
            return view.navigation_bar
        return find(view, lambda c: isinstance(c, ft.NavigationRail))[0]

    def badge(self) -> Any:
        """Return the unread badge of the Notifications destination."""
        dest = self.nav().destinations[3]
        assert dest.label == "Notifications"
        return dest.icon.badge

    async def type_search(self, text: str) -> None:
        """Type into the search field the way the client reports it."""
        field_ = self.search_field()
        field_.value = text  # the client patches the value, then fires "change"
        await self.session.dispatch_event(field_._i, "change", text)
        await settle()

    async def click(self, control: Any) -> None:
        """Click a control and let the consequences settle."""
        await self.session.dispatch_event(control._i, "click", None)
        await settle()

    def from_thread(self, fn: Any, *args: Any) -> None:
        """Call ``fn`` on another thread, as the sync loop does."""
        t = threading.Thread(target=fn, args=args)
        t.start()
        t.join()

    def crashed(self) -> list[Any]:
        """Return the session-crashed messages (an unhandled error in a handler)."""
        return [m for m in self.session.connection.messages if m.action == MessageAction.SESSION_CRASHED]
