"""A vendor's error text reaches the terminal and the screen only as one clean, short line.

A real HTTP server on 127.0.0.1 answers with error bodies whose message carries ANSI escapes (a
colour, a window-title OSC), CR/LF (a forged second log line) and a right-to-left override; the
clients' typed errors, and the sync report and stored sync state built from them ("sync failed:
..."), keep the words and lose the rest, cut to a sane length.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.domain import AppError, AuthError, SourceConfig
from services.sources.aftership.client import AfterShipClient
from services.sources.easypost.client import EasyPostClient
from services.sources.errors import MAX_VENDOR_TEXT, VendorError, vendor_text
from services.sources.http import HttpSource, RetryPolicy
from services.storage import Store
from services.sync.adapters.aftership import AfterShipTrackingSource
from services.sync.engine import SourceRuntime, SyncEngine
from tests.support.local_http import JsonServer

EVIL = (
    "\x1b[31mInvalid\x1b[0m tracking\r\nERROR root: forged line "
    "\x1b]0;owned\x07\u202egnp.exe\u202c number\x00\x9b2J done"
)
"""What a hostile or broken vendor puts in its error message."""
WORDS = ("Invalid tracking", "forged line", "gnp.exe", "number", "done")
FORBIDDEN = ("\x1b", "\r", "\n", "\u202e", "\u202c", "\x00", "\x07", "\x9b", "owned")


class Answers:
    """A real loopback server answering every request with the status and JSON body set last."""

    def __init__(self) -> None:
        self.status = 400
        self.body: Any = {}
        self._http = JsonServer(lambda _path: (self.status, self.body))

    @property
    def url(self) -> str:
        """Return the base URL."""
        return self._http.url

    def close(self) -> None:
        """Stop serving."""
        self._http.close()


@pytest.fixture
def server() -> Iterator[Answers]:
    """A running answer server."""
    answers = Answers()
    yield answers
    answers.close()


POLICY = RetryPolicy(max_attempts=1)


def assert_clean(text: str, *, limit: int) -> None:
    """The text keeps the vendor's words, loses every escape, break and override, and stays short."""
    for word in WORDS:
        assert word in text, (word, text)
    for bad in FORBIDDEN:
        assert bad not in text, (bad, text)
    assert text.isprintable() and len(text) <= limit, text


def test_vendor_text_is_one_clean_line_cut_with_an_ellipsis() -> None:
    """The helper itself: breaks become one space, a long text ends in '…' within the limit."""
    assert vendor_text(EVIL) == "Invalid tracking ERROR root: forged line gnp.exe number done"
    long = vendor_text("x" * 5000 + "\r\n" + EVIL)
    assert len(long) == MAX_VENDOR_TEXT and long.endswith("\u2026")
    assert vendor_text("\x1b[2J\r\n\u202e") == ""


@pytest.mark.parametrize(
    "body",
    [
        {"message": EVIL},
        {"error": {"detail": EVIL}},
        {"errors": [{"message": EVIL}]},
        {"errors": EVIL},
    ],
    ids=["message", "error.detail", "errors[0].message", "errors-string"],
)
def test_the_generic_client_cleans_the_message_it_digs_out(server: Answers, body: dict[str, Any]) -> None:
    """HttpSource: whichever envelope the message sits in, the VendorError says it cleanly."""
    server.body = body
    client = HttpSource(server.url, policy=POLICY)
    try:
        with pytest.raises(VendorError) as caught:
            client.get_json("/things")
    finally:
        client.close()
    assert_clean(str(caught.value), limit=MAX_VENDOR_TEXT + 20)
    assert str(caught.value).startswith("source: ")


def test_a_rejected_key_names_the_vendor_reason_cleanly(server: Answers) -> None:
    """401 with a hostile message: AuthError, one clean line."""
    server.status, server.body = 401, {"meta": {"code": 401, "message": EVIL, "type": "Unauthorized"}}
    client = AfterShipClient("as-key", base_url=server.url, policy=POLICY)
    try:
        with pytest.raises(AuthError) as caught:
            client.get_tracking("ups", "1Z999AA10123456784")
    finally:
        client.close()
    assert_clean(caught.value.message, limit=MAX_VENDOR_TEXT + 60)


@pytest.mark.parametrize("vendor", ["aftership", "easypost"])
def test_vendor_envelopes_are_cleaned_and_cut(server: Answers, vendor: str) -> None:
    """AfterShip's meta and EasyPost's error envelopes: clean, and a 20,000-character message is cut."""
    huge = EVIL + " " + "y" * 20_000
    if vendor == "aftership":
        server.body = {"meta": {"code": 4005, "message": huge, "type": "BadRequest"}}
        client: HttpSource = AfterShipClient("as-key", base_url=server.url, policy=POLICY)
    else:
        server.body = {"error": {"code": "TRACKER.NOT\x1b[1mFOUND\r\n", "message": huge}}
        client = EasyPostClient("ep-key", base_url=server.url, policy=POLICY)
    try:
        with pytest.raises(VendorError) as caught:
            client.get_json("/trackings/ups/1Z999AA10123456784")
    finally:
        client.close()
    message = caught.value.message
    assert_clean(message, limit=MAX_VENDOR_TEXT + 20)
    assert message.endswith("\u2026")


def test_a_failed_sync_reports_and_stores_the_clean_line(server: Answers, tmp_path: Path) -> None:
    """The real engine over an AfterShip source: the report ("sync failed: ...") and the sync state are clean."""
    server.body = {"meta": {"code": 4001, "message": EVIL, "type": "BadRequest"}}
    store = Store.open(tmp_path / "cache.db")
    client = AfterShipClient("as-key", base_url=server.url, policy=POLICY)
    runtime = SourceRuntime(
        config=SourceConfig(name="carrier", kind="aftership", url=server.url),
        tracking=AfterShipTrackingSource(client),
    )
    engine = SyncEngine(store, [runtime])
    try:
        [report] = engine.sync_all()
        assert report.error is not None
        assert_clean(report.error, limit=MAX_VENDOR_TEXT + 80)
        stored = store.sync_state.get("carrier").last_error
        assert stored is not None
        assert_clean(stored, limit=MAX_VENDOR_TEXT + 80)
    finally:
        engine.close()
        store.close()


def test_the_errors_stay_app_errors_with_their_titles(server: Answers) -> None:
    """Cleaning changes the text only: the error classes and titles the UI shows stay as they were."""
    server.status, server.body = 422, {"message": EVIL}
    client = HttpSource(server.url, policy=POLICY)
    try:
        with pytest.raises(AppError) as caught:
            client.get_json("/x")
    finally:
        client.close()
    assert type(caught.value) is VendorError and caught.value.title == "Rejected by the source"
