"""Scale reliability over a read export (``b2bcx scales``; pure orchestration)."""

from __future__ import annotations

from b2bcx.api.accounts import Checked, check, require_respondents
from b2bcx.config.models import Config
from b2bcx.errors import AnalysisError, DataError, raise_if_errors
from b2bcx.io import Export
from b2bcx.results import ScaleResult
from b2bcx.scoring.scale_checks import scale_checks


def scales(
    export: Export, config: Config, *, checked: Checked | None = None
) -> ScaleResult:
    """Cronbach's α per pillar, item–rest correlations and α if dropped
    (docs/method.md#scale-reliability).

    Raises
    ------
    DataError
        With every problem found, when any is an error.
    AnalysisError
        No pillar has two or more statements.
    """
    source = ", ".join(export.files) or "export"
    checked = checked or check(export, config)
    raise_if_errors(checked.problems, DataError, f"{source}: the data cannot be read")
    require_respondents(checked, source)
    if not any(len(set(p.items)) >= 2 for p in config.pillars.values()):
        raise AnalysisError(
            "no pillar has two or more statements: there is no scale to check",
            hint="Cronbach's α needs a pillar of at least two statements",
        )
    found = scale_checks(checked.scores, config, source)
    labels = {pid: config.pillar_label(pid) for pid in config.pillars}
    return ScaleResult(found.pillars, found.items, found.warnings, labels)
