"""Carrier vocabulary: AfterShip courier slugs, display names, tracking-page URLs and the link policy.

    vendor carrier text ("UPS", "dhl_express", "TNT Express (consignment)", "canadapost")
        ──carrier_slug──> "ups" / "dhl" / "tnt" / "canada-post"
    data-set courier or format ("dhl", "dhl_ecommerce") ──dataset_slug──> "dhl" / "dhl-global-mail"
    slug + number ──tracking_url──> https://... (the carrier's own page, or None)
    vendor URL ──checked_url──> kept only when it passes ``safe_link`` (https on the carrier's or the
        tracking service's domain), else the URL built from the slug

The one carrier table of the app: detection (``services.tracking_numbers``) and every source mapper
read it. Data only, no I/O, no imports of ours.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from services.domain.hosts import is_loopback_host


@dataclass(frozen=True, slots=True)
class Carrier:
    """One carrier: slug, display name, URL template (``{number}``), web domains, data-set codes.

    ``dataset`` names the courier codes or format ids of the tracking-number data set
    (``services/carrier_data``) whose numbers belong to this carrier; a format id wins over a code.
    """

    slug: str
    name: str
    url_template: str | None = None
    domains: tuple[str, ...] = ()
    dataset: tuple[str, ...] = ()


UNIVERSAL_TRACKING_URL = "https://t.17track.net/en#nums={number}"
"""17TRACK's public page, which tracks any postal (S10) number when the post's own URL is unknown."""

CARRIERS: dict[str, Carrier] = {
    c.slug: c
    for c in (
        Carrier("ups", "UPS", "https://www.ups.com/track?tracknum={number}", ("ups.com",), ("ups",)),
        Carrier("ups-mi", "UPS Mail Innovations", "https://www.ups.com/track?tracknum={number}", ("ups.com",)),
        Carrier("fedex", "FedEx", "https://www.fedex.com/fedextrack/?trknbr={number}", ("fedex.com",), ("fedex",)),
        Carrier(
            "usps", "USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}", ("usps.com",), ("usps",)
        ),
        Carrier(
            "dhl",
            "DHL Express",
            "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
            ("dhl.com", "dhl"),
            ("dhl_express", "dhl_express_piece_id", "dhl"),
        ),
        Carrier(
            "dhl-germany",
            "DHL Paket",
            "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={number}",
            ("dhl.de", "dhl.com", "dhl"),
        ),
        Carrier(
            "dhl-global-mail",
            "DHL eCommerce",
            "https://www.dhl.com/us-en/home/tracking/tracking-ecommerce.html?submit=1&tracking-id={number}",
            ("dhl.com", "dhl"),
            ("dhl_ecommerce", "dhl_ecommerce_14"),
        ),
        Carrier(
            "deutsche-post",
            "Deutsche Post",
            "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={number}",
            ("deutschepost.de", "dhl.de"),
        ),
        Carrier(
            "royal-mail",
            "Royal Mail",
            "https://www.royalmail.com/track-your-item?trackNumber={number}",
            ("royalmail.com",),
        ),
        Carrier(
            "parcel-force",
            "Parcelforce",
            "https://www.parcelforce.com/track-trace?trackNumber={number}",
            ("parcelforce.com",),
        ),
        Carrier(
            "canada-post",
            "Canada Post",
            "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor={number}",
            ("canadapost-postescanada.ca", "canadapost.ca"),
            ("canada_post",),
        ),
        Carrier(
            "australia-post",
            "Australia Post",
            "https://auspost.com.au/mypost/track/#/details/{number}",
            ("auspost.com.au",),
        ),
        Carrier(
            "la-poste-colissimo",
            "La Poste",
            "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
            ("laposte.fr", "colissimo.fr"),
        ),
        Carrier("chronopost-france", "Chronopost", None, ("chronopost.fr",)),
        Carrier(
            "japan-post",
            "Japan Post",
            "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en",
            ("japanpost.jp",),
        ),
        Carrier("china-post", "China Post", UNIVERSAL_TRACKING_URL, ("chinapost.com.cn", "ems.com.cn", "17track.net")),
        Carrier("china-ems", "China EMS", UNIVERSAL_TRACKING_URL, ("ems.com.cn", "17track.net")),
        Carrier("postnl", "PostNL", UNIVERSAL_TRACKING_URL, ("postnl.nl", "postnl.post", "17track.net")),
        Carrier(
            "tnt",
            "TNT",
            "https://www.tnt.com/express/en_gc/site/shipping-tools/tracking.html?searchType=con&cons={number}",
            ("tnt.com",),
        ),
        Carrier(
            "dpd",
            "DPD",
            "https://www.dpdgroup.com/nl/mydpd/my-parcels/track?lang=en&parcelNumber={number}",
            ("dpdgroup.com", "dpd.com", "dpd.de", "dpd.co.uk"),
            ("dpd",),
        ),
        Carrier("dpd-uk", "DPD UK", None, ("dpd.co.uk",)),
        Carrier("gls", "GLS", None, ("gls-group.eu", "gls-group.com")),
        Carrier("hermes", "Evri", None, ("evri.com", "myhermes.co.uk")),
        Carrier("yodel", "Yodel", "https://www.yodel.co.uk/tracking/{number}", ("yodel.co.uk",), ("yodel",)),
        Carrier("ontrac", "OnTrac", "https://www.ontrac.com/tracking/?number={number}", ("ontrac.com",), ("ontrac",)),
        Carrier(
            "lasership",
            "LaserShip",
            "https://www.ontrac.com/tracking/?number={number}",
            ("lasership.com", "ontrac.com"),
            ("lasership",),
        ),
        Carrier(
            "purolator",
            "Purolator",
            "https://www.purolator.com/en/shipping/tracker?searchValue={number}",
            ("purolator.com",),
            ("purolator",),
        ),
        Carrier(
            "canpar",
            "Canpar",
            "https://www.canpar.com/en/track/tracking.jsp?reference={number}&locale=en",
            ("canpar.com",),
            ("canpar",),
        ),
        Carrier(
            "yunexpress",
            "YunExpress",
            "https://www.yuntrack.com/parcelTracking?id={number}",
            ("yuntrack.com", "yunexpress.com"),
            ("yunexpress",),
        ),
        Carrier(
            "amazon", "Amazon Logistics", "https://track.amazon.com/tracking/{number}", ("amazon.com",), ("amazon",)
        ),
        Carrier(
            "gofo",
            "GOFO Express",
            "https://www.gofoexpress.com/tracking.html?searchID={number}",
            ("gofoexpress.com",),
            ("gofo",),
        ),
        Carrier(
            "landmark-global",
            "Landmark Global",
            "https://track.landmarkglobal.com/?search={number}",
            ("landmarkglobal.com",),
            ("landmark",),
        ),
        Carrier(
            "old-dominion",
            "Old Dominion Freight Line",
            "https://www.odfl.com/us/en/tools/trace-track-ltl-freight/trace.html?proNumbers={number}",
            ("odfl.com",),
            ("old_dominion",),
        ),
        Carrier(
            "spee-dee",
            "Spee-Dee Delivery",
            "https://www.speedeedelivery.com/track/?tracking={number}",
            ("speedeedelivery.com",),
            ("speedee",),
        ),
        Carrier(
            "cdl",
            "CDL Last Mile",
            "https://ship.cdldelivers.com/Xcelerator/Tracking/Tracking?packageitemrefno={number}",
            ("cdldelivers.com",),
        ),
        Carrier("hong-kong-post", "Hong Kong Post", UNIVERSAL_TRACKING_URL, ("hongkongpost.hk", "17track.net")),
        Carrier("singapore-post", "Singapore Post", UNIVERSAL_TRACKING_URL, ("singpost.com", "17track.net")),
        Carrier("korea-post", "Korea Post", UNIVERSAL_TRACKING_URL, ("epost.go.kr", "17track.net")),
        Carrier("taiwan-post", "Chunghwa Post", UNIVERSAL_TRACKING_URL, ("post.gov.tw", "17track.net")),
        Carrier("india-post", "India Post", UNIVERSAL_TRACKING_URL, ("indiapost.gov.in", "17track.net")),
        Carrier("new-zealand-post", "NZ Post", UNIVERSAL_TRACKING_URL, ("nzpost.co.nz", "17track.net")),
        Carrier("swiss-post", "Swiss Post", UNIVERSAL_TRACKING_URL, ("post.ch", "17track.net")),
        Carrier("austrian-post", "Austrian Post", UNIVERSAL_TRACKING_URL, ("post.at", "17track.net")),
        Carrier("bpost", "bpost", UNIVERSAL_TRACKING_URL, ("bpost.be", "17track.net")),
        Carrier("poste-italiane", "Poste Italiane", UNIVERSAL_TRACKING_URL, ("poste.it", "17track.net")),
        Carrier("spain-correos-es", "Correos", UNIVERSAL_TRACKING_URL, ("correos.es", "17track.net")),
        Carrier("portugal-ctt", "CTT", UNIVERSAL_TRACKING_URL, ("ctt.pt", "17track.net")),
        Carrier("an-post", "An Post", UNIVERSAL_TRACKING_URL, ("anpost.com", "17track.net")),
        Carrier("posten-norge", "Posten Norge", UNIVERSAL_TRACKING_URL, ("posten.no", "17track.net")),
        Carrier("sweden-posten", "PostNord Sverige", UNIVERSAL_TRACKING_URL, ("postnord.se", "17track.net")),
        Carrier("danmark-post", "PostNord Danmark", UNIVERSAL_TRACKING_URL, ("postnord.dk", "17track.net")),
        Carrier("finland-posti", "Posti", UNIVERSAL_TRACKING_URL, ("posti.fi", "17track.net")),
        Carrier("poczta-polska", "Poczta Polska", UNIVERSAL_TRACKING_URL, ("poczta-polska.pl", "17track.net")),
        Carrier("ceska-posta", "Česká pošta", UNIVERSAL_TRACKING_URL, ("postaonline.cz", "17track.net")),
        Carrier("magyar-posta", "Magyar Posta", UNIVERSAL_TRACKING_URL, ("posta.hu", "17track.net")),
        Carrier("brazil-correios", "Correios", UNIVERSAL_TRACKING_URL, ("correios.com.br", "17track.net")),
        Carrier(
            "correos-de-mexico", "Correos de México", UNIVERSAL_TRACKING_URL, ("correosdemexico.gob.mx", "17track.net")
        ),
        Carrier("russian-post", "Russian Post", UNIVERSAL_TRACKING_URL, ("pochta.ru", "17track.net")),
        Carrier("israel-post", "Israel Post", UNIVERSAL_TRACKING_URL, ("israelpost.co.il", "17track.net")),
        Carrier("ptt-posta", "PTT", UNIVERSAL_TRACKING_URL, ("ptt.gov.tr", "17track.net")),
        Carrier("sapo", "South African Post Office", UNIVERSAL_TRACKING_URL, ("postoffice.co.za", "17track.net")),
        Carrier("thailand-post", "Thailand Post", UNIVERSAL_TRACKING_URL, ("thailandpost.co.th", "17track.net")),
        Carrier("malaysia-post", "Pos Malaysia", UNIVERSAL_TRACKING_URL, ("pos.com.my", "17track.net")),
        Carrier("pos-indonesia", "Pos Indonesia", UNIVERSAL_TRACKING_URL, ("posindonesia.co.id", "17track.net")),
        Carrier("vnpost", "Vietnam Post", UNIVERSAL_TRACKING_URL, ("vnpost.vn", "17track.net")),
        Carrier("phlpost", "PHLPost", UNIVERSAL_TRACKING_URL, ("phlpost.gov.ph", "17track.net")),
        Carrier("ukrposhta", "Ukrposhta", UNIVERSAL_TRACKING_URL, ("ukrposhta.ua", "17track.net")),
        Carrier("upu", "National post", UNIVERSAL_TRACKING_URL, ("17track.net",)),
        Carrier("testing-courier", "Testing Courier"),
    )
}
"""Known carriers by AfterShip courier slug."""

S10_POSTS: dict[str, str] = {
    "US": "usps",
    "GB": "royal-mail",
    "DE": "deutsche-post",
    "CN": "china-post",
    "NL": "postnl",
    "FR": "la-poste-colissimo",
    "JP": "japan-post",
    "CA": "canada-post",
    "AU": "australia-post",
    "HK": "hong-kong-post",
    "SG": "singapore-post",
    "KR": "korea-post",
    "TW": "taiwan-post",
    "IN": "india-post",
    "NZ": "new-zealand-post",
    "CH": "swiss-post",
    "AT": "austrian-post",
    "BE": "bpost",
    "IT": "poste-italiane",
    "ES": "spain-correos-es",
    "PT": "portugal-ctt",
    "IE": "an-post",
    "NO": "posten-norge",
    "SE": "sweden-posten",
    "DK": "danmark-post",
    "FI": "finland-posti",
    "PL": "poczta-polska",
    "CZ": "ceska-posta",
    "HU": "magyar-posta",
    "BR": "brazil-correios",
    "MX": "correos-de-mexico",
    "RU": "russian-post",
    "IL": "israel-post",
    "TR": "ptt-posta",
    "ZA": "sapo",
    "TH": "thailand-post",
    "MY": "malaysia-post",
    "ID": "pos-indonesia",
    "VN": "vnpost",
    "PH": "phlpost",
    "UA": "ukrposhta",
}
"""UPU S10 country suffix -> the national post's slug (others fall back to ``upu``)."""

_ALIASES: dict[str, str] = {
    # UPS
    "ups": "ups",
    "united parcel service": "ups",
    "ups ground": "ups",
    "ups mail innovations": "ups-mi",
    "ups mi": "ups-mi",
    # FedEx
    "fedex": "fedex",
    "federal express": "fedex",
    "fedex ground": "fedex",
    "fedex express": "fedex",
    "fedex smartpost": "fedex",
    "fedex freight": "fedex",
    # USPS
    "usps": "usps",
    "united states postal service": "usps",
    "us postal service": "usps",
    "usps international": "usps",
    "usps s10": "usps",
    # DHL family
    "dhl": "dhl",
    "dhl express": "dhl",
    "dhl universal": "dhl",
    "dhl poland": "dhl",
    "dhl ecommerce": "dhl-global-mail",
    "dhl ecommerce solutions": "dhl-global-mail",
    "dhl e commerce": "dhl-global-mail",
    "dhl global mail": "dhl-global-mail",
    "dhl paket": "dhl-germany",
    "dhl germany": "dhl-germany",
    "dhl parcel de": "dhl-germany",
    "dhl de": "dhl-germany",
    "deutsche post": "deutsche-post",
    "deutsch post": "deutsche-post",
    "deutschepost": "deutsche-post",
    # posts and parcels
    "royal mail": "royal-mail",
    "royalmail": "royal-mail",
    "parcelforce": "parcel-force",
    "parcel force": "parcel-force",
    "canada post": "canada-post",
    "canadapost": "canada-post",
    "postes canada": "canada-post",
    "australia post": "australia-post",
    "australiapost": "australia-post",
    "auspost": "australia-post",
    "la poste": "la-poste-colissimo",
    "laposte": "la-poste-colissimo",
    "colissimo": "la-poste-colissimo",
    "chronopost": "chronopost-france",
    "japan post": "japan-post",
    "china post": "china-post",
    "china ems": "china-ems",
    "postnl": "postnl",
    "post nl": "postnl",
    "tnt": "tnt",
    "tnt express": "tnt",
    "dpd": "dpd",
    "dpd uk": "dpd-uk",
    "gls": "gls",
    "hermes": "hermes",
    "evri": "hermes",
    "yodel": "yodel",
    "ontrac": "ontrac",
    "lasership": "lasership",
    "purolator": "purolator",
    "canpar": "canpar",
    "yunexpress": "yunexpress",
    "amazon": "amazon",
    "amazon logistics": "amazon",
    "amazon shipping": "amazon",
    "cdl": "cdl",
    "gofo": "gofo",
    "gofo express": "gofo",
    "landmark": "landmark-global",
    "landmark global": "landmark-global",
    "old dominion": "old-dominion",
    "odfl": "old-dominion",
    "spee dee": "spee-dee",
    "speedee": "spee-dee",
    "hong kong post": "hong-kong-post",
    "singapore post": "singapore-post",
    "singpost": "singapore-post",
    "korea post": "korea-post",
    "india post": "india-post",
    "new zealand post": "new-zealand-post",
    "nz post": "new-zealand-post",
    "swiss post": "swiss-post",
    "austrian post": "austrian-post",
    "bpost": "bpost",
    "poste italiane": "poste-italiane",
    "correos": "spain-correos-es",
    "an post": "an-post",
    "posten norge": "posten-norge",
    "postnord": "sweden-posten",
    "posti": "finland-posti",
    "poczta polska": "poczta-polska",
    "correios": "brazil-correios",
    "russian post": "russian-post",
    "israel post": "israel-post",
    "testing courier": "testing-courier",
}

_COMPACT_ALIASES: dict[str, str] = {key.replace(" ", ""): slug for key, slug in _ALIASES.items()}
"""The same names written together, as EasyPost does ("DHLExpress", "FedExSmartPost", "CanadaPost")."""

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _key(text: str) -> str:
    return _NON_ALNUM.sub(" ", text.casefold()).strip()


def carrier_slug(text: str | None) -> str:
    """Map a vendor's carrier name or code to an AfterShip courier slug (``unrecognized`` when empty).

    Known names and codes go through an alias table (longest matching word prefix wins, so
    "TNT Express (consignment)" is ``tnt``); anything else is slugified as given.
    """
    if not text or not _key(text):
        return "unrecognized"
    key = _key(text)
    if key.replace(" ", "-") in CARRIERS:
        return key.replace(" ", "-")
    words = key.split(" ")
    for end in range(len(words), 0, -1):
        slug = _ALIASES.get(" ".join(words[:end]))
        if slug is not None:
            return slug
    compact = _COMPACT_ALIASES.get(key.replace(" ", ""))
    return compact if compact is not None else "-".join(words)


def carrier_name(slug: str, given: str | None = None) -> str:
    """Return a display name: the vendor's own wording when it gave one, else the table's, else the slug."""
    if given and given.strip() and _key(given) != _key(slug):
        compact = _key(given).replace(" ", "")
        if _COMPACT_ALIASES.get(compact) != slug or slug not in CARRIERS:
            return given.strip()
    known = CARRIERS.get(slug)
    if known is not None:
        return known.name
    return given.strip() if given and given.strip() else slug.replace("-", " ").title()


def tracking_url(slug: str, number: str) -> str | None:
    """Return the carrier's tracking page for ``number``, or None when the carrier has none we trust."""
    known = CARRIERS.get(slug)
    if known is None or known.url_template is None or not number:
        return None
    return known.url_template.format(number=quote(number, safe=""))


def dataset_slug(courier_code: str, format_id: str) -> str | None:
    """Return the slug of the carrier that owns a data-set format (its id first, then its courier code)."""
    return _BY_FORMAT.get(format_id) or _BY_FORMAT.get(courier_code)


_BY_FORMAT: dict[str, str] = {}
for _carrier in CARRIERS.values():
    for _code in _carrier.dataset:
        _BY_FORMAT.setdefault(_code, _carrier.slug)


# ---------------------------------------------------------------- the link policy

TRACKING_SERVICES: dict[str, tuple[str, ...]] = {
    "aftership": ("aftership.com",),
    "17track": ("17track.net",),
    "easypost": ("easypost.com",),
    "shippo": ("goshippo.com",),
}
"""Source kind -> the tracking service's own web domains (its public tracking pages are fine links too)."""

OPAQUE_LINKS = frozenset({"easypost"})
"""Tracking services whose public pages are addressed by their own tracker id, not by the number."""

MAX_URL_LENGTH = 2048
"""A longer link is not a tracking page."""

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")
"""Control characters and backslashes (read as ``/`` by browsers); non-ASCII (bidi, look-alikes) fails too."""


def _compact(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def _on(host: str, domains: Iterable[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def safe_link(
    url: str | None,
    slug: str,
    number: str,
    service: str | None = None,
    service_hosts: Iterable[str] = (),
) -> str | None:
    """Return ``url`` (whitespace removed) when the app may show it as the link of ``number``, else None.

    The one link policy for every source: an ``https`` URL without user info or odd port, whose host
    is the carrier's own domain (or a subdomain) and which names the number, or whose host is the
    tracking service's (``TRACKING_SERVICES[service]`` or ``service_hosts``, e.g. a self-hosted one).
    Plain ``http`` only to a loopback service host. ``javascript:``, look-alike hosts
    (``ups.com.evil.example``), paths (``evil.example/ups.com``) and ``ups.com@evil.example`` fail.
    The link must name the number, except a tracker page of a service in ``OPAQUE_LINKS``.
    """
    if not url or len(url) > MAX_URL_LENGTH:
        return None
    cleaned = "".join(url.split())
    if not cleaned.isascii() or _UNSAFE.search(cleaned):
        return None
    try:
        parts = urlsplit(cleaned)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return None
    if not host or host.endswith(".") or "@" in parts.netloc:
        return None
    loopback = is_loopback_host(host)
    if parts.scheme == "https":
        if port not in (None, 443) and not loopback:
            return None
    elif parts.scheme != "http" or not loopback:
        return None
    named = bool(_compact(number)) and _compact(number) in _compact(cleaned)
    services = (*TRACKING_SERVICES.get(service or "", ()), *(h.lower() for h in service_hosts))
    if _on(host, services) and (named or service in OPAQUE_LINKS):
        return cleaned
    known = CARRIERS.get(slug)
    if known is not None and not loopback and _on(host, known.domains) and named:
        return cleaned
    return None


def checked_url(
    urls: str | None | Sequence[str | None], slug: str, number: str, service: str | None = None
) -> str | None:
    """Return the first vendor URL that passes ``safe_link``, else the carrier's page built from the table.

    Vendors and shops auto-generate links from the carrier *name*, so a USPS link for a FedEx slug
    or a link for another number does happen; hostile or careless sources send worse. Stray
    whitespace (WooCommerce's literal newlines) is removed first.
    """
    candidates = [urls] if urls is None or isinstance(urls, str) else list(urls)
    for url in candidates:
        trusted = safe_link(url, slug, number, service)
        if trusted is not None:
            return trusted
    return tracking_url(slug, number)
