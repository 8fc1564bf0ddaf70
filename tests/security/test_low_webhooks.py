"""Webhook verifiers: an empty secret verifies nothing, and no input of any shape makes one raise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.sources.aftership import webhook as aftership
from services.sources.easypost import webhook as easypost
from services.sources.karrio import webhook as karrio
from services.sources.seventeentrack import webhook as seventeentrack
from services.sources.shippo import webhook as shippo
from services.sources.shopify import webhook as shopify
from services.sources.woocommerce import webhook as woocommerce

BODY = b'{"msg": {"tracking_number": "1Z999AA10123456784", "tag": "Delivered"}}'
BLANK = ["", " ", "\t\n"]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Verify = Callable[[Any, Any, Any], bool]
SIGNERS: dict[str, tuple[Verify, Callable[[bytes, str], str]]] = {
    "aftership": (aftership.verify, aftership.sign),
    "shopify": (shopify.verify, shopify.sign),
    "woocommerce": (woocommerce.verify, woocommerce.sign),
    "easypost": (easypost.verify, easypost.sign),
    "17track": (seventeentrack.verify, seventeentrack.sign),
    "shippo": (shippo.verify, lambda body, secret: shippo.sign(body, secret, int(time.time()))),
    "karrio": (karrio.verify, lambda body, secret: secret),
}
VERIFIERS: dict[str, Verify] = {name: pair[0] for name, pair in SIGNERS.items()}


@pytest.mark.parametrize("name", list(SIGNERS))
@pytest.mark.parametrize("blank", BLANK, ids=["empty", "space", "whitespace"])
def test_a_blank_secret_verifies_nothing(name: str, blank: str) -> None:
    """The signature computed with the blank secret itself (what an attacker would send) is refused."""
    verify, sign = SIGNERS[name]
    assert verify(BODY, sign(BODY, blank), blank) is False


@pytest.mark.parametrize("name", list(SIGNERS))
def test_a_good_signature_still_verifies(name: str) -> None:
    """The hardening keeps real deliveries working."""
    verify, sign = SIGNERS[name]
    assert verify(BODY, sign(BODY, "whsec_Łódź-東京"), "whsec_Łódź-東京") is True
    assert verify(BODY, sign(BODY, "whsec_Łódź-東京"), "another secret") is False


HOSTILE_HEADERS = [
    "\ud800",  # lone surrogate: cannot be encoded
    "x" * 1_000_000,
    "t=" + "9" * 5000 + ",v1=00",  # int() refuses more than 4300 digits
    "t=" + "9" * 400 + ",v1=00",  # too big for a float
    "t=١٢٣,v1=00",  # Arabic-Indic digits pass str.isdigit()
    "t=²,v1=00",  # a superscript digit: isdigit() but not int()
    "t,v1",
    "=,=,=",
    "hmac-sha256-hex=\x00",
]


@pytest.mark.parametrize("name", list(VERIFIERS))
@pytest.mark.parametrize("header", HOSTILE_HEADERS, ids=range(len(HOSTILE_HEADERS)))
def test_hostile_headers_are_false(name: str, header: str) -> None:
    """Surrogates, megabyte headers, 5000-digit timestamps, exotic digits: False, no exception."""
    assert VERIFIERS[name](BODY, header, "whsec_real") is False


@pytest.mark.parametrize("name", list(VERIFIERS))
def test_wrong_types_are_false(name: str) -> None:
    """A str body, a bytes header, a None or bytes secret: False, no exception."""
    verify = VERIFIERS[name]
    for body, header, secret in [
        ("text body", "sig", "secret"),
        (BODY, b"sig", "secret"),
        (BODY, "sig", None),
        (BODY, "sig", b"secret"),
        (None, None, None),
        (BODY, 12345, "secret"),
    ]:
        assert verify(body, header, secret) is False


def test_shippo_with_an_absurd_clock_or_tolerance_is_false() -> None:
    """A NaN or infinite clock never makes an old delivery acceptable, and never raises."""
    header = shippo.sign(BODY, "whsec_real", 1_000_000)
    assert shippo.verify(BODY, header, "whsec_real", clock=lambda: float("nan")) is False
    assert shippo.verify(BODY, header, "whsec_real", clock=lambda: float("inf")) is False
    assert shippo.verify(BODY, header, "whsec_real", tolerance=float("nan"), clock=lambda: 1_000_000.0) is False
    assert shippo.verify(BODY, header, "whsec_real", clock=lambda: 1_000_100.0) is True


any_text = st.text(st.characters(codec=None), max_size=300)
any_header = (
    st.none() | any_text | st.binary(max_size=50) | st.integers() | st.builds(lambda d: f"t={d},v1=ab", st.text())
)
any_secret = any_text | st.none() | st.binary(max_size=20)
any_body = st.binary(max_size=2000) | any_text | st.none()


@pytest.mark.parametrize("name", list(VERIFIERS))
@SETTINGS
@given(body=any_body, header=any_header, secret=any_secret)
def test_any_input_gives_a_boolean_and_never_raises(name: str, body: Any, header: Any, secret: Any) -> None:
    """Random bodies, headers and secrets of any type: always a bool, False whenever the secret is blank."""
    result = VERIFIERS[name](body, header, secret)
    assert result is True or result is False
    if not isinstance(secret, str) or not secret.strip():
        assert result is False


@pytest.mark.parametrize("name", list(SIGNERS))
@SETTINGS
@given(body=st.binary(max_size=2000), secret=st.text(min_size=1).filter(lambda s: bool(s) and s == s.strip()))
def test_any_signed_body_verifies(name: str, body: bytes, secret: str) -> None:
    """Round trip: whatever the body and secret (no surrounding white space, as in a header), it verifies."""
    verify, sign = SIGNERS[name]
    try:
        header = sign(body, secret)
    except UnicodeEncodeError:  # a lone surrogate: no vendor could have signed with it either
        assert verify(body, "x", secret) is False
        return
    assert verify(body, header, secret) is True
