"""The demo serves its API document, the same file as docs/backend-api.yaml."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from services.demo import DemoServer

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "backend-api.yaml"


def test_openapi_yaml_is_the_documented_contract() -> None:
    """GET /openapi.yaml returns docs/backend-api.yaml as YAML, naming every route the server has."""
    with DemoServer(orders=5, seed=1, token="doc-t0k", tick_seconds=3600) as server:
        response = httpx.get(f"{server.url}/openapi.yaml")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/yaml")
        assert response.content == DOCUMENT.read_bytes()
        document = yaml.safe_load(response.text)
        served = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
        routes = {
            (method, route.path)
            for route in server._server.config.app.routes  # type: ignore[union-attr]
            for method in route.methods - {"HEAD"}
        }
        assert routes == served
