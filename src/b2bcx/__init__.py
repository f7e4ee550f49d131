"""b2bcx: account-level analytics for B2B customer-experience surveys."""

from __future__ import annotations

__version__ = "0.1.0"
