"""The embedded demo backend: generating its data and starting it, each against a floor of the same run.

- generating 10,000 orders (CPU time), against building the same 10,000 orders from their JSON
  (the domain objects alone, no simulation);
- ``DemoServer().start()`` (200 orders, bound, accepting), against what any such start must do:
  generate the same 200 orders and serve a trivial ASGI app by uvicorn the same way (a daemon
  thread, the same server options).

These were timed assertions in the test suite (tests/unit/demo, tests/integration); a busy machine
made them fail, so they are figures here.
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from datetime import UTC, datetime

import pytest
import uvicorn

from services.demo import DemoServer, generate
from services.domain import order_from_json, order_to_json

from .conftest import record_ratio

pytestmark = pytest.mark.bench

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
GENERATE_RATIO = 2.0
START_RATIO = 2.0
RUNS = 5


def test_generate_10k_orders() -> None:
    """10,000 demo orders (CPU time, best of 3), against building the same orders from their JSON."""
    seconds, floors = [], []
    for _ in range(3):
        started = time.process_time()
        data = generate(42, 10_000, NOW)
        seconds.append(time.process_time() - started)
        docs = [order_to_json(o) for o in data.orders]
        started = time.process_time()
        built = [order_from_json(d) for d in docs]
        floors.append(time.process_time() - started)
        assert len(built) == len(data.orders) == 10_000
    record_ratio(
        "demo.generate_10k (CPU)", min(seconds), min(floors), GENERATE_RATIO, floor_name="same orders from JSON"
    )


async def _trivial_asgi(scope: dict[str, object], receive: object, send: object) -> None:
    """The smallest ASGI app: lifespan accepted, every request answered 204."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()  # type: ignore[operator]
            kind = str(message["type"])
            await send(
                {"type": kind.replace(".startup", ".startup.complete").replace(".shutdown", ".shutdown.complete")}
            )  # type: ignore[operator]
            if kind.endswith("shutdown"):
                return
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 204, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]


def _start_trivial() -> float:
    """Generate 200 orders, start the trivial app like DemoServer starts (uvicorn in a daemon thread); seconds."""
    started = time.perf_counter()
    generate(DemoServer().seed, 200, NOW)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    config = uvicorn.Config(
        _trivial_asgi, log_config=None, log_level="warning", access_log=False, lifespan="on", loop="asyncio",
        http="h11", ws="none", server_header=False, timeout_graceful_shutdown=2,
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: server.run(sockets=[sock]), daemon=True)
    thread.start()
    while not server.started:
        assert thread.is_alive(), "the trivial server died"
        time.sleep(0.002)
    with socket.create_connection(sock.getsockname(), timeout=10):
        pass
    seconds = time.perf_counter() - started
    server.should_exit = True
    thread.join(10)
    sock.close()
    return seconds


def test_demo_server_start() -> None:
    """DemoServer().start() (200 orders) until it accepts, against a trivial ASGI app started the same way."""
    seconds, floors = [], []
    for _ in range(RUNS):
        floors.append(_start_trivial())
        started = time.perf_counter()
        server = DemoServer().start()
        seconds.append(time.perf_counter() - started)
        server.stop()
    record_ratio(
        "demo.server_start (200 orders)",
        statistics.median(seconds) * 1000,
        statistics.median(floors) * 1000,
        START_RATIO,
        unit="ms",
        floor_name="200 orders + trivial ASGI app",
        note=f"median of {RUNS}",
    )
