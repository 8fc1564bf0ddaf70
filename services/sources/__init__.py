"""Outside systems: one subpackage per vendor, all feeding the same domain.

    vendor API / webhook ──client.py (HTTP only: auth, pages, retries, typed errors)──> raw JSON
    raw JSON ──schema.py (TypedDict shapes)──> mapper.py (pure, total) ──status_map.py (data)──>
        list[Order] | list[Shipment]                                   (services.domain)

``registry.normalize(kind, payload)`` picks the vendor mapper and detects the payload shape (API list,
single object or webhook). Shared pieces: ``payload`` (typed field access and time parsing),
``assemble`` (events -> Shipment: ordering, status of the latest event, ETA windows, unknown codes
logged once), ``carriers`` (AfterShip courier slugs, names, tracking URLs), ``http`` (the retrying
HTTP base every client uses), ``signatures`` (constant-time webhook checks) and ``errors``.
"""
