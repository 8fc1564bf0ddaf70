"""Fixtures shared by the e2e modules: one headless Chromium, the app's data folder and server, a shop.

Per module (``scope="module"``):

- ``home`` + ``server``: the app on a fresh data folder (no source: the embedded demo);
- ``shop`` + ``shop_home`` + ``shop_server``: a demo backend the test owns (its seed is the module's
  ``SHOP_SEED``), a data folder whose only source is that shop, and the app on it.

Background polling runs once an hour in every server: what a test sees arrived by the first sync or by push.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from services.demo import DemoServer
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, Server, cli_text, serving


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh data folder: no source configured, so the app runs on the embedded demo."""
    return tmp_path_factory.mktemp("ordertrack-home")


@pytest.fixture(scope="module")
def server(home: Path) -> Iterator[Server]:
    """The app's web server on ``home`` (stopped by PID at the end of the module)."""
    yield from serving(home)


@pytest.fixture(scope="module")
def shop(request: pytest.FixtureRequest) -> Iterator[DemoServer]:
    """A merchant backend the test owns: it can post carrier events to it or switch it off."""
    demo = DemoServer(orders=60, seed=getattr(request.module, "SHOP_SEED", 11))
    demo.start()
    try:
        yield demo
    finally:
        demo.stop()


@pytest.fixture(scope="module")
def shop_home(tmp_path_factory: pytest.TempPathFactory, shop: DemoServer) -> Path:
    """A data folder whose only source is ``shop`` (no embedded demo)."""
    home = tmp_path_factory.mktemp("ordertrack-shop")
    assert "Added source 'shop'" in cli_text(home, "sources", "add", "ordertrack", "--url", shop.url, "--name", "shop")
    return home


@pytest.fixture(scope="module")
def shop_server(shop_home: Path) -> Iterator[Server]:
    """The app on ``shop_home``."""
    yield from serving(shop_home)
