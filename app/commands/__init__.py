"""One module per command group; each exposes ``ORDER`` and ``register(subparsers)``.

Modules are discovered automatically, so adding a command never edits a shared file. Each
``register`` adds its parsers and sets ``func`` (``args -> exit code``) as the parser default.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from typing import Any

_SKIP = {"common"}


def register_all(sub: argparse._SubParsersAction[Any]) -> None:
    """Import every command module of this package and let it register its parsers."""
    modules = []
    for info in pkgutil.iter_modules(__path__):
        if info.name in _SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        modules.append((getattr(module, "ORDER", 100), info.name, module))
    for _, _, module in sorted(modules, key=lambda m: (m[0], m[1])):
        module.register(sub)
