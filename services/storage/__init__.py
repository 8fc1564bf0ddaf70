"""The local cache: SQLite (WAL) through SQLAlchemy Core, alembic migrations, domain objects in and out.

    store = Store.open(path)                      # creates (0600), migrates to head
    with store.transaction() as uow:              # one BEGIN IMMEDIATE transaction
        changes = uow.upsert_orders(orders, source="demo", received_at=now, live=True)
    store.orders.list_summaries(OrderFilter(number_prefix="W-10"))
    page = store.orders.recent_events(60)        # the Timeline feed; next: before=page[-1].cursor
    with store.reading() as conn:                 # one read snapshot for your own queries
        ...
    UsageRepository(store).summary(since)         # the app's own metrics (self-service, satisfaction)

Storage hands out domain objects (``services.domain``), never rows.
"""

from .feed import recent_events
from .notify_repo import NotifyRepository as NotifyRepository
from .repositories import OrderRepository, SourceRepository, SyncStateRepository
from .stats import LatencySample, LatencySummary, StatsRepository, mark_published, tracking_candidates
from .store import Store
from .uow import UnitOfWork
from .usage import SelfServiceSummary, UsageRepository

__all__ = [
    "LatencySample",
    "LatencySummary",
    "OrderRepository",
    "SelfServiceSummary",
    "SourceRepository",
    "StatsRepository",
    "Store",
    "SyncStateRepository",
    "UnitOfWork",
    "UsageRepository",
    "mark_published",
    "recent_events",
    "tracking_candidates",
]
