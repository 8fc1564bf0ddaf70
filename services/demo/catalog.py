"""Static reference tables of the demo world: countries, time zones, places, merchants, customers.

Everything here is plain, immutable data; the generator draws from it with a seeded RNG. Lists (never
sets) keep the iteration order fixed so a seed always yields the same world.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

# ---------------------------------------------------------------- time zones


@dataclass(frozen=True, slots=True)
class Zone:
    """A fixed standard offset plus an optional daylight-saving rule (``eu``, ``us`` or none)."""

    std_minutes: int
    rule: str = ""


_DST_CACHE: dict[tuple[int, int, str], tuple[datetime, datetime]] = {}


def _last_sunday(year: int, month: int) -> date:
    first_next = date(year + (month == 12), month % 12 + 1, 1)
    last = first_next - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    first_sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    return first_sunday + timedelta(days=7 * (n - 1))


def _dst_bounds(year: int, zone: Zone) -> tuple[datetime, datetime]:
    key = (year, zone.std_minutes, zone.rule)
    cached = _DST_CACHE.get(key)
    if cached is not None:
        return cached
    if zone.rule == "eu":  # last Sunday of March / October, 01:00 UTC
        start = datetime.combine(_last_sunday(year, 3), datetime.min.time(), UTC) + timedelta(hours=1)
        end = datetime.combine(_last_sunday(year, 10), datetime.min.time(), UTC) + timedelta(hours=1)
    else:  # us: second Sunday of March 02:00 local standard / first Sunday of November 02:00 local daylight
        std = timedelta(minutes=zone.std_minutes)
        start = datetime.combine(_nth_sunday(year, 3, 2), datetime.min.time(), UTC) + timedelta(hours=2) - std
        end = (
            datetime.combine(_nth_sunday(year, 11, 1), datetime.min.time(), UTC)
            + timedelta(hours=2)
            - std
            - timedelta(hours=1)
        )
    _DST_CACHE[key] = (start, end)
    return start, end


def offset_minutes(zone: Zone, at: datetime) -> int:
    """Return the UTC offset in minutes of ``zone`` at the aware instant ``at``."""
    if not zone.rule:
        return zone.std_minutes
    bounds = _DST_CACHE.get((at.year, zone.std_minutes, zone.rule)) or _dst_bounds(at.year, zone)
    return zone.std_minutes + (60 if bounds[0] <= at < bounds[1] else 0)


_OFFSET_DELTA: dict[int, timedelta] = {}
_OFFSET_TEXT: dict[int, str] = {}


def wall_clock(zone: Zone, at: datetime) -> tuple[datetime, int]:
    """Return the local wall-clock time of the UTC instant ``at`` (labelled UTC) and its offset in minutes.

    The wall clock stays an aware datetime in UTC on purpose: adding the offset is cheap and its
    ``isoformat()[:19]`` is the local time text.
    """
    off = offset_minutes(zone, at)
    delta = _OFFSET_DELTA.get(off)
    if delta is None:
        delta = _OFFSET_DELTA[off] = timedelta(minutes=off)
    return at + delta, off


def from_wall_clock(zone: Zone, wall: datetime) -> datetime:
    """Return the UTC instant of a wall-clock time given as :func:`wall_clock` returns it."""
    guess = wall - timedelta(minutes=zone.std_minutes)
    return wall - timedelta(minutes=offset_minutes(zone, guess))


def format_offset(minutes: int) -> str:
    """Format an offset in minutes as ``+HH:MM`` / ``-HH:MM``."""
    text = _OFFSET_TEXT.get(minutes)
    if text is None:
        sign = "-" if minutes < 0 else "+"
        hours, mins = divmod(abs(minutes), 60)
        text = _OFFSET_TEXT[minutes] = f"{sign}{hours:02d}:{mins:02d}"
    return text


US_EASTERN = Zone(-300, "us")
US_CENTRAL = Zone(-360, "us")
US_MOUNTAIN = Zone(-420, "us")
US_PACIFIC = Zone(-480, "us")
UK = Zone(0, "eu")
CET = Zone(60, "eu")
EET = Zone(120, "eu")
JST = Zone(540)

# ---------------------------------------------------------------- countries and places

COUNTRIES: dict[str, tuple[str, str]] = {
    "US": ("USA", "United States"),
    "DE": ("DEU", "Germany"),
    "GB": ("GBR", "United Kingdom"),
    "NL": ("NLD", "Netherlands"),
    "FR": ("FRA", "France"),
    "PL": ("POL", "Poland"),
    "GR": ("GRC", "Greece"),
    "JP": ("JPN", "Japan"),
    "ES": ("ESP", "Spain"),
    "IT": ("ITA", "Italy"),
    "AT": ("AUT", "Austria"),
}
"""ISO 3166 alpha-2 -> (alpha-3, English name)."""


@dataclass(frozen=True, slots=True)
class Place:
    """A carrier scan location."""

    city: str
    state: str
    postal: str
    country: str
    zone: Zone

    @property
    def location(self) -> str:
        """Return the one-line location, e.g. ``Louisville, KY, US``."""
        return f"{self.city}, {self.state}, {self.country}" if self.state else f"{self.city}, {self.country}"


PLACES: dict[str, Place] = {
    # United States
    "US-LOUISVILLE": Place("Louisville", "KY", "40209", "US", US_EASTERN),
    "US-MEMPHIS": Place("Memphis", "TN", "38118", "US", US_CENTRAL),
    "US-INDIANAPOLIS": Place("Indianapolis", "IN", "46241", "US", US_EASTERN),
    "US-HEBRON": Place("Hebron", "KY", "41048", "US", US_EASTERN),
    "US-JAMAICA": Place("Jamaica", "NY", "11430", "US", US_EASTERN),
    "US-NEWYORK": Place("New York", "NY", "10001", "US", US_EASTERN),
    "US-EDISON": Place("Edison", "NJ", "08817", "US", US_EASTERN),
    "US-CHICAGO": Place("Chicago", "IL", "60666", "US", US_CENTRAL),
    "US-DALLAS": Place("Dallas", "TX", "75261", "US", US_CENTRAL),
    "US-AUSTIN": Place("Austin", "TX", "78701", "US", US_CENTRAL),
    "US-DENVER": Place("Denver", "CO", "80249", "US", US_MOUNTAIN),
    "US-RENO": Place("Reno", "NV", "89502", "US", US_PACIFIC),
    "US-LOSANGELES": Place("Los Angeles", "CA", "90045", "US", US_PACIFIC),
    "US-SANFRANCISCO": Place("San Francisco", "CA", "94107", "US", US_PACIFIC),
    "US-SEATTLE": Place("Seattle", "WA", "98108", "US", US_PACIFIC),
    # Germany / Austria
    "DE-LEIPZIG": Place("Leipzig", "", "04435", "DE", CET),
    "DE-KOELN": Place("Köln", "", "51147", "DE", CET),
    "DE-ASCHAFFENBURG": Place("Aschaffenburg", "", "63741", "DE", CET),
    "DE-HAMBURG": Place("Hamburg", "", "20095", "DE", CET),
    "DE-BERLIN": Place("Berlin", "", "10115", "DE", CET),
    "DE-MUENCHEN": Place("München", "", "80331", "DE", CET),
    "DE-FRANKFURT": Place("Frankfurt am Main", "", "60549", "DE", CET),
    "AT-WIEN": Place("Wien", "", "1230", "AT", CET),
    # United Kingdom
    "GB-LONDON": Place("London", "", "EC1A 1BB", "GB", UK),
    "GB-MANCHESTER": Place("Manchester", "", "M1 1AE", "GB", UK),
    "GB-BIRMINGHAM": Place("Birmingham", "", "B1 1AA", "GB", UK),
    "GB-WARRINGTON": Place("Warrington", "", "WA1 1AA", "GB", UK),
    "GB-HEATHROW": Place("Heathrow", "", "TW6 2GA", "GB", UK),
    "GB-EASTMIDLANDS": Place("Castle Donington", "", "DE74 2SA", "GB", UK),
    "GB-EDINBURGH": Place("Edinburgh", "", "EH1 1YZ", "GB", UK),
    # Netherlands / France / Spain / Italy / Poland / Greece
    "NL-AMSTERDAM": Place("Amsterdam", "", "1012 AB", "NL", CET),
    "NL-UTRECHT": Place("Utrecht", "", "3511 AA", "NL", CET),
    "NL-NIEUWEGEIN": Place("Nieuwegein", "", "3439 AA", "NL", CET),
    "NL-ROTTERDAM": Place("Rotterdam", "", "3011 AA", "NL", CET),
    "NL-EINDHOVEN": Place("Eindhoven", "", "5657 DA", "NL", CET),
    "FR-PARIS": Place("Paris", "", "75001", "FR", CET),
    "FR-ROISSY": Place("Roissy-en-France", "", "95700", "FR", CET),
    "FR-LYON": Place("Lyon", "", "69001", "FR", CET),
    "ES-MADRID": Place("Madrid", "", "28001", "ES", CET),
    "IT-MILANO": Place("Milano", "", "20121", "IT", CET),
    "PL-LODZ": Place("Łódź", "", "90-001", "PL", CET),
    "PL-WARSZAWA": Place("Warszawa", "", "00-001", "PL", CET),
    "PL-KRAKOW": Place("Kraków", "", "31-001", "PL", CET),
    "GR-ATHENS": Place("Athens", "", "104 31", "GR", EET),
    "GR-THESSALONIKI": Place("Thessaloniki", "", "546 25", "GR", EET),
    # Japan
    "JP-TOKYO": Place("Tokyo", "", "100-0005", "JP", JST),
    "JP-NARITA": Place("Narita", "", "282-0004", "JP", JST),
    "JP-OSAKA": Place("Osaka", "", "530-0001", "JP", JST),
}

# ---------------------------------------------------------------- carriers


@dataclass(frozen=True, slots=True)
class CarrierInfo:
    """A carrier: AfterShip slug, display name, tracking page template and services."""

    slug: str
    name: str
    url_template: str
    domestic_service: str
    international_service: str


CARRIERS: dict[str, CarrierInfo] = {
    "ups": CarrierInfo(
        "ups", "UPS", "https://www.ups.com/track?loc=en_US&tracknum={number}", "UPS Standard", "UPS Worldwide Saver"
    ),
    "fedex": CarrierInfo(
        "fedex",
        "FedEx",
        "https://www.fedex.com/fedextrack/?trknbr={number}",
        "FedEx Ground",
        "FedEx International Priority",
    ),
    "usps": CarrierInfo(
        "usps",
        "USPS",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
        "USPS Ground Advantage",
        "Priority Mail International",
    ),
    "dhl": CarrierInfo(
        "dhl",
        "DHL Express",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}",
        "DHL Express Domestic",
        "DHL Express Worldwide",
    ),
    "royal-mail": CarrierInfo(
        "royal-mail",
        "Royal Mail",
        "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        "Royal Mail Tracked 48",
        "Royal Mail International Tracked",
    ),
    "dpd": CarrierInfo(
        "dpd", "DPD", "https://tracking.dpd.de/status/en_US/parcel/{number}", "DPD Classic", "DPD Classic International"
    ),
    "postnl": CarrierInfo(
        "postnl",
        "PostNL",
        "https://jouw.postnl.nl/track-and-trace/{number}-{country}-{postcode}",
        "PostNL Standaard Pakket",
        "PostNL Parcel EU",
    ),
    "japan-post": CarrierInfo(
        "japan-post",
        "Japan Post",
        "https://trackings.post.japanpost.jp/services/srv/search/direct?reqCodeNo1={number}&locale=en",
        "Yu-Pack",
        "EMS",
    ),
}

HUBS: dict[str, dict[str, str]] = {
    "ups": {"US": "US-LOUISVILLE", "DE": "DE-KOELN", "GB": "GB-LONDON", "NL": "NL-EINDHOVEN", "FR": "FR-ROISSY"},
    "fedex": {"US": "US-MEMPHIS", "FR": "FR-ROISSY", "JP": "JP-NARITA", "GB": "GB-HEATHROW", "DE": "DE-KOELN"},
    "usps": {"US": "US-INDIANAPOLIS"},
    "dhl": {
        "DE": "DE-LEIPZIG",
        "US": "US-HEBRON",
        "GB": "GB-EASTMIDLANDS",
        "JP": "JP-NARITA",
        "GR": "GR-ATHENS",
        "PL": "PL-WARSZAWA",
        "FR": "FR-ROISSY",
        "NL": "NL-AMSTERDAM",
    },
    "royal-mail": {"GB": "GB-WARRINGTON"},
    "dpd": {"DE": "DE-ASCHAFFENBURG", "FR": "FR-PARIS", "NL": "NL-UTRECHT", "AT": "AT-WIEN", "PL": "PL-WARSZAWA"},
    "postnl": {"NL": "NL-NIEUWEGEIN"},
    "japan-post": {"JP": "JP-TOKYO"},
}
"""Carrier -> country -> sorting hub / gateway (place key)."""

# ---------------------------------------------------------------- merchants and catalogue


@dataclass(frozen=True, slots=True)
class Product:
    """A catalogue product."""

    sku: str
    name: str
    price: Decimal
    weight_kg: float


@dataclass(frozen=True, slots=True)
class Merchant:
    """A shop: where it ships from, its money, taxes, carriers and catalogue."""

    name: str
    country: str
    warehouse: str
    currency: str
    vat: Decimal
    domestic_carriers: tuple[str, ...]
    international_carriers: tuple[str, ...]
    destinations: tuple[str, ...]
    shipping_fee: Decimal
    international_fee: Decimal
    free_shipping_over: Decimal
    marketplace: str
    products: tuple[Product, ...]


def _p(sku: str, name: str, price: str, kg: float) -> Product:
    return Product(sku, name, Decimal(price), kg)


MERCHANTS: tuple[Merchant, ...] = (
    Merchant(
        "Nordlicht Outdoor GmbH",
        "DE",
        "DE-HAMBURG",
        "EUR",
        Decimal("0.19"),
        ("dpd", "ups"),
        ("dhl", "dpd", "ups"),
        ("AT", "PL", "NL", "FR", "GR"),
        Decimal("4.95"),
        Decimal("14.90"),
        Decimal("100"),
        "Zalando",
        (
            _p("NL-TRS-42", "Trail Running Shoes Alpin GTX", "139.95", 0.9),
            _p("NL-MBL-M", "Merino Base Layer", "69.90", 0.3),
            _p("NL-DP22", "Daypack 22 L", "89.00", 0.8),
            _p("NL-TP-PR", "Trekking Poles (pair)", "59.95", 0.6),
            _p("NL-BTL-75", "Insulated Bottle 0.75 L", "29.95", 0.4),
            _p("NL-HL400", "Headlamp 400 lm", "44.50", 0.2),
            _p("NL-RJ-NK", "Rain Jacket Nordkap", "189.00", 0.7),
            _p("NL-WS3", "Wool Socks (3-pack)", "24.90", 0.3),
        ),
    ),
    Merchant(
        "Maison Lumière",
        "FR",
        "FR-LYON",
        "EUR",
        Decimal("0.20"),
        ("dpd", "ups"),
        ("dhl", "ups"),
        ("DE", "ES", "IT", "GR"),
        Decimal("6.90"),
        Decimal("19.90"),
        Decimal("120"),
        "Cdiscount",
        (
            _p("ML-LAMP-LIN", "Linen Table Lamp", "79.00", 2.1),
            _p("ML-CND-FIG", "Scented Candle — Figue Noire", "32.00", 0.5),
            _p("ML-SCONCE-BR", "Brass Wall Sconce", "149.00", 1.6),
            _p("ML-VASE-COTE", "Ceramic Vase Côte", "58.50", 1.2),
            _p("ML-SHADE-40", "Lampshade Plissé 40 cm", "45.00", 0.7),
            _p("ML-BULB-E27", "LED Bulb E27 2700 K (2-pack)", "12.90", 0.2),
        ),
    ),
    Merchant(
        "Tulip & Thread",
        "NL",
        "NL-UTRECHT",
        "EUR",
        Decimal("0.21"),
        ("postnl",),
        ("postnl", "dpd", "dhl"),
        ("DE", "FR", "PL"),
        Decimal("4.25"),
        Decimal("11.50"),
        Decimal("60"),
        "bol.com",
        (
            _p("TT-TOTE-ORG", "Organic Cotton Tote", "19.95", 0.2),
            _p("TT-SCARF-TUL", "Tulip Print Scarf", "34.95", 0.2),
            _p("TT-KIT-BEG", "Knitting Kit — Beginner", "42.50", 0.6),
            _p("TT-HOOP-SET", "Embroidery Hoop Set", "15.75", 0.3),
            _p("TT-YARN-100", "Merino Yarn 100 g", "11.95", 0.1),
        ),
    ),
    Merchant(
        "Brightwell Home",
        "GB",
        "GB-MANCHESTER",
        "GBP",
        Decimal("0.20"),
        ("royal-mail", "ups"),
        ("royal-mail", "ups"),
        ("NL", "DE"),
        Decimal("3.99"),
        Decimal("12.50"),
        Decimal("50"),
        "Amazon.co.uk",
        (
            _p("BW-CAS-24", "Cast Iron Casserole 24 cm", "89.99", 4.5),
            _p("BW-TWL-BAM", "Bamboo Bath Towel Set", "39.50", 1.1),
            _p("BW-ESP-4", "Espresso Cups (set of 4)", "24.00", 0.8),
            _p("BW-KNF-20", "Chef's Knife 20 cm", "64.95", 0.4),
            _p("BW-DUV-DBL", "Linen Duvet Cover — Double", "79.00", 1.3),
        ),
    ),
    Merchant(
        "Canyon Gear Co.",
        "US",
        "US-RENO",
        "USD",
        Decimal("0"),
        ("usps", "ups", "fedex"),
        ("fedex",),
        (),
        Decimal("7.99"),
        Decimal("29.00"),
        Decimal("75"),
        "Amazon",
        (
            _p("CG-TENT-2P", "Ultralight Tent 2P", "329.00", 1.4),
            _p("CG-SB-20F", "Sleeping Bag 20°F", "189.95", 1.1),
            _p("CG-STOVE", "Camp Stove", "54.99", 0.4),
            _p("CG-FILTER", "Water Filter", "39.95", 0.2),
            _p("CG-PACK-55", "Trekking Backpack 55 L", "219.00", 1.6),
            _p("CG-CARA-6", "Carabiner Set", "18.50", 0.3),
        ),
    ),
    Merchant(
        "Pixel Harbor Electronics",
        "US",
        "US-EDISON",
        "USD",
        Decimal("0"),
        ("fedex", "ups", "usps"),
        ("dhl", "fedex", "ups"),
        ("GB", "DE", "JP"),
        Decimal("5.99"),
        Decimal("34.00"),
        Decimal("99"),
        "eBay",
        (
            _p("PH-EARB-PRO", "Wireless Earbuds Pro", "149.00", 0.2),
            _p("PH-HUB-8", "USB-C Hub 8-in-1", "59.99", 0.2),
            _p("PH-KB-TKL", "Mechanical Keyboard (TKL)", "129.00", 1.0),
            _p("PH-MON-27", '27" 4K Monitor', "399.99", 6.8),
            _p("PH-SSD-1T", "Portable SSD 1 TB", "109.99", 0.1),
            _p("PH-PLUG-4", "Smart Plug (4-pack)", "34.99", 0.4),
            _p("PH-CASE-MS", "Phone Case — MagSafe", "24.99", 0.1),
        ),
    ),
    Merchant(
        "Sakura Stationery",
        "JP",
        "JP-TOKYO",
        "JPY",
        Decimal("0.10"),
        ("japan-post",),
        ("japan-post", "dhl", "fedex"),
        ("US", "GB", "DE"),
        Decimal("600"),
        Decimal("2800"),
        Decimal("5000"),
        "Rakuten",
        (
            _p("SK-FP-KAEDE", "万年筆 Fountain Pen — Kaede", "8800", 0.2),
            _p("SK-WASHI-10", "Washi Tape Set (10)", "1320", 0.2),
            _p("SK-NB-A5", "A5 Dot Grid Notebook", "1650", 0.3),
            _p("SK-BRUSH-6", "Brush Pen Set", "2200", 0.1),
            _p("SK-INK-ASA", "Ink Bottle 50 ml — Asagao", "1980", 0.2),
            _p("SK-ORG-HNK", "Desk Organizer — Hinoki", "4800", 0.9),
        ),
    ),
)

US_SALES_TAX: dict[str, Decimal] = {
    "NY": Decimal("0.08875"),
    "TX": Decimal("0.0825"),
    "WA": Decimal("0.1025"),
    "CA": Decimal("0.08625"),
    "IL": Decimal("0.1025"),
    "CO": Decimal("0.0881"),
}
"""Combined state + local sales tax of the demo customers' cities."""

EU_COUNTRIES = ("DE", "NL", "FR", "PL", "GR", "ES", "IT", "AT")

# ---------------------------------------------------------------- customers


@dataclass(frozen=True, slots=True)
class Person:
    """A customer name and the local part of their e-mail address."""

    name: str
    email: str


@dataclass(frozen=True, slots=True)
class Home:
    """A customer's delivery address and the carrier depot that serves it."""

    line1: str
    city: str
    region: str
    postal_code: str
    depot: str


PEOPLE: dict[str, tuple[Person, ...]] = {
    "US": (
        Person("Emily Johnson", "emily.johnson"),
        Person("Michael Brown", "mbrown"),
        Person("Olivia Martinez", "olivia.martinez"),
        Person("James Wilson", "jwilson"),
        Person("Sofía Hernández", "sofia.hernandez"),
        Person("DeShawn Carter", "deshawn.carter"),
    ),
    "DE": (
        Person("Jürgen Müller", "juergen.mueller"),
        Person("Anna Schröder", "anna.schroeder"),
        Person("Lukas Weiß", "lukas.weiss"),
        Person("Иван Петров", "ivan.petrov"),
        Person("Mehmet Yılmaz", "mehmet.yilmaz"),
    ),
    "GB": (
        Person("Oliver Smith", "oliver.smith"),
        Person("Siobhán O'Connor", "siobhan.oconnor"),
        Person("Amelia Clarke", "amelia.clarke"),
        Person("Zoë Hughes", "zoe.hughes"),
    ),
    "NL": (
        Person("Daan de Vries", "daan.devries"),
        Person("Emma Jansen", "emma.jansen"),
        Person("Sanne van den Berg", "sanne.vandenberg"),
    ),
    "FR": (
        Person("Élodie Lefèvre", "elodie.lefevre"),
        Person("Théo Moreau", "theo.moreau"),
        Person("Chloé Dubois", "chloe.dubois"),
    ),
    "PL": (
        Person("Łukasz Wójcik", "lukasz.wojcik"),
        Person("Małgorzata Nowak", "malgorzata.nowak"),
        Person("Zofia Kowalczyk", "zofia.kowalczyk"),
    ),
    "GR": (
        Person("Ελένη Παπαδοπούλου", "eleni.papadopoulou"),
        Person("Γιώργος Νικολάου", "giorgos.nikolaou"),
    ),
    "JP": (
        Person("山田 太郎", "taro.yamada"),
        Person("佐藤 花子", "hanako.sato"),
        Person("Kenji Watanabe", "kenji.watanabe"),
    ),
    "ES": (Person("José Núñez", "jose.nunez"), Person("Lucía García", "lucia.garcia")),
    "IT": (Person("Giulia Rossi", "giulia.rossi"), Person("Niccolò Bianchi", "niccolo.bianchi")),
    "AT": (Person("Lena Gruber", "lena.gruber"), Person("Florian Huber", "florian.huber")),
}

HOMES: dict[str, tuple[Home, ...]] = {
    "US": (
        Home("350 5th Ave, Apt 4B", "New York", "NY", "10118", "US-NEWYORK"),
        Home("1600 Congress Ave", "Austin", "TX", "78701", "US-AUSTIN"),
        Home("400 Broad St", "Seattle", "WA", "98109", "US-SEATTLE"),
        Home("1 Ferry Building", "San Francisco", "CA", "94111", "US-SANFRANCISCO"),
        Home("233 S Wacker Dr", "Chicago", "IL", "60606", "US-CHICAGO"),
        Home("1701 Wynkoop St", "Denver", "CO", "80202", "US-DENVER"),
    ),
    "DE": (
        Home("Schönhauser Allee 36", "Berlin", "Berlin", "10435", "DE-BERLIN"),
        Home("Leopoldstraße 77", "München", "Bayern", "80802", "DE-MUENCHEN"),
        Home("Große Bergstraße 154", "Hamburg", "Hamburg", "22767", "DE-HAMBURG"),
        Home("Zülpicher Straße 12", "Köln", "Nordrhein-Westfalen", "50674", "DE-KOELN"),
    ),
    "GB": (
        Home("221B Baker Street", "London", "Greater London", "NW1 6XE", "GB-LONDON"),
        Home("1 Piccadilly", "Manchester", "Greater Manchester", "M1 1RG", "GB-MANCHESTER"),
        Home("5 Brindleyplace", "Birmingham", "West Midlands", "B1 2JB", "GB-BIRMINGHAM"),
        Home("10 Ramsay Garden", "Edinburgh", "Scotland", "EH1 2NA", "GB-EDINBURGH"),
    ),
    "NL": (
        Home("Prinsengracht 263", "Amsterdam", "Noord-Holland", "1016 GV", "NL-AMSTERDAM"),
        Home("Oudegracht 150", "Utrecht", "Utrecht", "3511 AZ", "NL-UTRECHT"),
        Home("Coolsingel 40", "Rotterdam", "Zuid-Holland", "3011 AD", "NL-ROTTERDAM"),
    ),
    "FR": (
        Home("12 Rue de Rivoli", "Paris", "Île-de-France", "75004", "FR-PARIS"),
        Home("5 Place Bellecour", "Lyon", "Auvergne-Rhône-Alpes", "69002", "FR-LYON"),
    ),
    "PL": (
        Home("ul. Piotrkowska 104", "Łódź", "Łódzkie", "90-006", "PL-LODZ"),
        Home("ul. Marszałkowska 84/92", "Warszawa", "Mazowieckie", "00-514", "PL-WARSZAWA"),
        Home("ul. Floriańska 15", "Kraków", "Małopolskie", "31-019", "PL-KRAKOW"),
    ),
    "GR": (
        Home("Ερμού 25", "Αθήνα", "Αττική", "105 63", "GR-ATHENS"),
        Home("Τσιμισκή 40", "Θεσσαλονίκη", "Κεντρική Μακεδονία", "546 23", "GR-THESSALONIKI"),
    ),
    "JP": (
        Home("神南1-19-11", "渋谷区", "東京都", "150-0041", "JP-TOKYO"),
        Home("丸の内2-7-2", "千代田区", "東京都", "100-7090", "JP-TOKYO"),
        Home("梅田3-1-3", "大阪市北区", "大阪府", "530-0001", "JP-OSAKA"),
    ),
    "ES": (Home("Calle de Alcalá 45", "Madrid", "Comunidad de Madrid", "28014", "ES-MADRID"),),
    "IT": (Home("Via Dante 7", "Milano", "Lombardia", "20121", "IT-MILANO"),),
    "AT": (Home("Mariahilfer Straße 10", "Wien", "Wien", "1070", "AT-WIEN"),),
}

EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
