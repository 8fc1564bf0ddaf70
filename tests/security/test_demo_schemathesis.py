"""Schemathesis against the real demo server over HTTP, driven by the API document the server serves.

Every operation of the document (except the endless stream and the fault switch) gets a bounded number
of generated requests; no answer may be a server error or differ from the document (status code,
content type, body schema).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.demo import DemoServer

TOKEN = "schema-t0k"
EXAMPLES = 60
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
# /v1/stream never ends by design; POST /_demo/faults exists to make the next requests answer 5xx.
SKIPPED = {("GET", "/v1/stream"), ("POST", "/_demo/faults")}


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    """A demo server with a token and no background ticks."""
    with DemoServer(orders=20, seed=5, token=TOKEN, tick_seconds=3600) as srv:
        yield srv


def _real_ids(server: DemoServer) -> dict[str, str]:
    """Path parameters that exist, so generated requests also reach the code behind the 404s."""
    order = next(o for o in server.data.orders if o.shipments)
    shipment = order.shipments[0]
    return {
        "order_number": order.order_number,
        "tracking_number": shipment.tracking_number,
        "slug": shipment.carrier,
    }


def _fuzz(operation: schemathesis.APIOperation, server: DemoServer) -> set[int]:
    real = _real_ids(server)
    names = {p.name for p in operation.path_parameters}
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if names:
        strategies.append(operation.as_strategy(path_parameters={n: real[n] for n in names}))

    @given(case=st.one_of(strategies))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            base_url=server.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10, checks=CHECKS
        )
        seen.add(response.status_code)

    seen: set[int] = set()
    run()
    return seen


def test_demo_server_matches_its_document(demo_server: DemoServer) -> None:
    """No generated request gets a server error, and every answer matches the served document."""
    schema = schemathesis.openapi.from_url(f"{demo_server.url}/openapi.yaml", timeout=10)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: dict[str, set[int]] = {}
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        statuses[f"{operation.method.upper()} {operation.path}"] = _fuzz(operation, demo_server)
    assert len(statuses) == len(operations) - len(SKIPPED) >= 8, statuses
    # The generated requests got past validation too, not only refusals.
    assert all(any(200 <= code < 300 for code in seen) for seen in statuses.values()), statuses
