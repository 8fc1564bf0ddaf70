"""Helpers for the source tests (a module of its own so test files can import it by name)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.paths import VENDOR_FIXTURES

FIXTURES = VENDOR_FIXTURES


def load_fixture(name: str) -> Any:
    """Return a decoded vendor fixture (``<vendor>/<file>.json``)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def fixture_bytes(name: str) -> bytes:
    """Return a vendor fixture's raw bytes."""
    return (FIXTURES / name).read_bytes()


class Sleeper:
    """Records requested waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Recorder:
    """A MockTransport handler that replays queued answers and records the requests."""

    def __init__(self, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer

    @property
    def transport(self) -> httpx.MockTransport:
        """The transport to hand to a client."""
        return httpx.MockTransport(self)
