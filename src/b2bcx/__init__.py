"""b2bcx: account-level analytics for B2B customer-experience surveys.

A small lazy facade over :mod:`b2bcx.api`::

    import b2bcx
    config = b2bcx.load_config("program.yaml")
    result = b2bcx.score(b2bcx.read_exports(["export.csv"]), config)
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_FACADE = {
    "load_config": ("b2bcx.config.models", "load_config"),
    "read_exports": ("b2bcx.api.load", "load_exports"),
    "read_accounts": ("b2bcx.api.load", "load_master"),
    "score": ("b2bcx.api.accounts", "score"),
    "validate": ("b2bcx.api.accounts", "validate"),
    "factors": ("b2bcx.api.screening", "factors"),
    "drivers": ("b2bcx.api.key_drivers", "drivers"),
}

__all__ = ["__version__", *_FACADE]


def __getattr__(name: str) -> Any:
    if name in _FACADE:
        module, attribute = _FACADE[name]
        return getattr(import_module(module), attribute)
    raise AttributeError(f"module 'b2bcx' has no attribute {name!r}")
