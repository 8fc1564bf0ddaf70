"""The embedded demo backend: deterministic demo data served by a real HTTP server on loopback.

``DemoServer`` serves the backend API (``/v1``), an AfterShip-v4-compatible tracking API
(``/aftership/v4``) and control endpoints (``/_demo``); ``generate`` builds the data alone.
"""

from .data import Checkpoint, DemoData, OrderPlan, ShipmentPlan, generate, order_at
from .server import DemoServer
from .state import DemoState, StreamEntry, decode_cursor, encode_cursor

__all__ = [
    "Checkpoint",
    "DemoData",
    "DemoServer",
    "DemoState",
    "OrderPlan",
    "ShipmentPlan",
    "StreamEntry",
    "decode_cursor",
    "encode_cursor",
    "generate",
    "order_at",
]
