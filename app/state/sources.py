"""The data sources as Settings and the filters list them: configured ones, or the built-in demo."""

from __future__ import annotations

from collections.abc import Sequence

from services.domain import DEMO_SOURCE, SourceConfig, SourceInfo, SyncHealth, SyncState
from services.sync import is_internal_state


def source_infos(configs: Sequence[SourceConfig], states: Sequence[SyncState]) -> list[SourceInfo]:
    """Return the sources with their health; the built-in demo when none is configured."""
    by_name = {s.source: s for s in states if not is_internal_state(s.source)}

    def info(name: str, kind: str, url: str, builtin: bool = False) -> SourceInfo:
        st = by_name.get(name)
        return SourceInfo(
            name=name,
            kind=kind,
            url=url,
            health=st.health if st else SyncHealth.NEVER,
            last_success_at=st.last_success_at if st else None,
            stale_since=st.stale_since if st else None,
            last_error=st.last_error if st else None,
            builtin=builtin,
        )

    if configs:
        return [info(c.name, c.kind, c.url) for c in configs]
    return [info(DEMO_SOURCE, "ordertrack", "Built-in demo server on this computer", builtin=True)]
