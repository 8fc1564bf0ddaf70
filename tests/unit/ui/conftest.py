"""Browserless UI harness (notes/flet.md §8): a real ``ft.Page`` on a ``Session`` with an in-memory
``Connection`` that plays the client's part for ``push_route``; plus a real Store on a tmp file.
Tree helpers and data builders live in ``support.py``.

Flet internals (``Session``, ``Connection``, ``_context_page``, ``control._i``, ``page._dialogs``) are
pinned by ``flet==1.0.5``; they are used only by this harness and the tests in this folder.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flet as ft
import pytest
from flet.controls.context import _context_page
from flet.messaging.connection import Connection
from flet.messaging.protocol import Message, MessageAction
from flet.messaging.session import Session
from flet.pubsub.pubsub_hub import PubSubHub

from services.storage import Store


class FakeClient(Connection):
    """Records what the server sends and answers ``push_route`` the way the Flutter client does."""

    def __init__(self) -> None:
        super().__init__()
        self.pubsubhub = PubSubHub()
        self.page_url = "http://127.0.0.1:8550"
        self.messages: list[Message] = []
        self.session: Session | None = None
        self.routes: list[str] = []

    def send_message(self, message: Message) -> None:
        """Record a message; play the client's part for ``push_route``."""
        self.messages.append(message)
        if message.action == MessageAction.INVOKE_METHOD and self.session is not None:
            body = message.body
            if getattr(body, "name", None) == "push_route":
                route = body.args["route"]
                self.routes.append(route)
                asyncio.get_running_loop().call_soon(self._push_route, body.control_id, body.call_id, route)

    def _push_route(self, control_id: int, call_id: str, route: str) -> None:
        assert self.session is not None
        self.session.handle_invoke_method_results(control_id, call_id, None, None)
        page = self.session.page
        page.route = route
        asyncio.get_running_loop().create_task(
            self.session.dispatch_event(page._i, "route_change", {"route": route})
        )


@pytest.fixture
async def session() -> Any:
    """A live page session on the running loop (the page has a 1280x800 window)."""
    client = FakeClient()
    client.loop = asyncio.get_running_loop()
    s = Session(client)
    client.session = s
    token = _context_page.set(s.page)
    s.page.width = 1280
    s.page.height = 800
    s.page.platform_brightness = ft.Brightness.LIGHT
    yield s
    _context_page.reset(token)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A real, empty cache on a temporary file."""
    s = Store.open(tmp_path / "ordertrack.db")
    yield s
    s.close()
