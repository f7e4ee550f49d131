"""The library behind the CLI: one function per command.

Every command of ``b2bcx`` is one call here, so ``import b2bcx.api`` can do what the
command line does. Submodules are imported on first use, so ``score`` does not pay
for the factor, driver or report code.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_HOMES = {
    "check": "b2bcx.api.accounts",
    "score": "b2bcx.api.commands",
    "score_files": "b2bcx.api.streamed",
    "validate": "b2bcx.api.commands",
    "factors": "b2bcx.api.screening",
    "change": "b2bcx.api.trends",
    "trend": "b2bcx.api.trends",
    "trend_files": "b2bcx.api.trends",
    "split_waves": "b2bcx.api.trends",
    "scales": "b2bcx.api.consistency",
    "chase": "b2bcx.api.outreach",
    "load_contacts": "b2bcx.api.load",
    "drivers": "b2bcx.api.commands",
    "drivers_files": "b2bcx.api.streamed",
    "report_inputs": "b2bcx.api.workbook",
    "value": "b2bcx.api.worth",
    "load_decisions": "b2bcx.api.load",
    "draft_config": "b2bcx.api.draft",
    "load_exports": "b2bcx.api.load",
    "load_master": "b2bcx.api.load",
    "account_output": "b2bcx.scoring.tables",
    "breakdown": "b2bcx.scoring.tables",
    "rows_summary": "b2bcx.scoring.tables",
    "risk_by_tier": "b2bcx.scoring.tables",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'b2bcx.api' has no attribute {name!r}")
