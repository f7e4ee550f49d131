"""Shared fixtures: small configs and exports built in memory."""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import settings

from b2bcx.config.models import parse_config
from b2bcx.io import Export

# Row 2 of a legacy Qualtrics export names the metadata of columns V1..V10.
LEGACY_META = [
    "ResponseID",
    "ResponseSet",
    "Name",
    "ExternalDataReference",
    "EmailAddress",
    "IPAddress",
    "Status",
    "StartDate",
    "EndDate",
    "Finished",
]

# Metadata columns of a SurveyMonkey export (row 1; row 2 is blank under them).
SURVEYMONKEY_META = [
    "Respondent ID",
    "Collector ID",
    "Start Date",
    "End Date",
    "IP Address",
    "Email Address",
    "First Name",
    "Last Name",
    "Custom Data 1",
]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def small_config(**overrides: Any) -> dict[str, Any]:
    """A two-pillar program with three roles, as a plain mapping."""
    config: dict[str, Any] = {
        "version": 1,
        "columns": {
            "respondent": "Id",
            "account": "Account",
            "role": "Role",
            "segments": ["Region"],
            "revenue": "Revenue",
        },
        "pillars": {
            "integrity": {"label": "Integrity", "items": ["Q1", "Q2"]},
            "empathy": {"label": "Empathy", "items": ["Q3", "Q4"]},
        },
        "roles": {
            "weights": {"decision_maker": 0.5, "influencer": 0.3, "user": 0.2},
            "decision_role": "decision_maker",
            "map": {
                "decision_maker": ["DM", "Executive"],
                "influencer": ["Influencer"],
                "user": ["User", 3],
            },
        },
        "outcomes": {"nps": "NPS"},
    }
    for key, value in overrides.items():
        config[key] = value
    return config


def as_export(rows: list[dict[str, Any]], file: str = "test.csv") -> Export:
    """Rows of text answers as an Export (row numbers as in a CSV with a header)."""
    frame = pd.DataFrame(rows).astype(object)
    frame = (
        frame.where(frame.notna(), None)
        .map(lambda v: None if v is None else str(v))
        .astype(object)
    )
    frame["_file"] = file
    frame["_row"] = range(2, len(frame) + 2)
    return Export(frame=frame, files=[file])


@pytest.fixture
def config_dict() -> dict[str, Any]:
    return small_config()


@pytest.fixture
def config(config_dict: dict[str, Any]):
    return parse_config(config_dict)


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def respondent(
    id_: str,
    account: str,
    role: str,
    q: list[Any],
    nps: Any = 8,
    region: str = "EMEA",
    revenue: Any = 1000,
) -> dict[str, Any]:
    """One respondent row; ``q`` holds the four answers Q1..Q4."""
    row = {
        "Id": id_,
        "Account": account,
        "Role": role,
        "Region": region,
        "Revenue": revenue,
        "NPS": nps,
    }
    row.update({f"Q{i}": v for i, v in enumerate(q, start=1)})
    return row


@pytest.fixture(autouse=True)
def fresh_cli_state():
    """Global CLI options (--quiet, --debug) live on cli.State; tests that build their
    own Typer app skip the callback that resets them, so reset them for every test."""
    from b2bcx.cli import State

    State.quiet = State.debug = False
    yield
    State.quiet = State.debug = False


# Tables printed to a pipe are as wide as a batch log wants them unless COLUMNS says
# otherwise; a test runner's own COLUMNS (pytest-xdist workers inherit one) must not
# wrap the messages the tests read. Tests that want a width pass it themselves.
os.environ.pop("COLUMNS", None)

# No hypothesis test has a deadline: a loaded machine or a slower CPU must not fail a
# property that holds. CI runs the same examples every time (a red build must be
# reproducible); local runs explore new ones. `HYPOTHESIS_PROFILE=ci` selects it by hand.
settings.register_profile("dev", deadline=None, print_blob=True)
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True
)
if os.environ.get("CI") or os.environ.get("HYPOTHESIS_PROFILE") == "ci":
    settings.load_profile("ci")
else:
    settings.load_profile("dev")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start a Dask cluster run one after another on one xdist worker
    (two in-process clusters started at once on one machine interfere)."""
    for item in items:
        if "dask" in item.nodeid.lower():
            item.add_marker(pytest.mark.xdist_group("dask"))


def settled(draft: str) -> str:
    """A drafted config's text as an analyst leaves it after review: every
    ``# TODO`` comment line deleted and the ``unassigned`` pillar renamed."""
    kept = [line for line in draft.splitlines() if not re.match(r"\s*#+\s*TODO", line)]
    return "\n".join(kept).replace("\n  unassigned:\n", "\n  reviewed:\n") + "\n"


def settled_data(draft: dict[str, Any]) -> dict[str, Any]:
    """A drafted config's data with its ``unassigned`` pillar renamed."""
    data = copy.deepcopy(draft)
    if "unassigned" in data.get("pillars", {}):
        data["pillars"]["reviewed"] = data["pillars"].pop("unassigned")
    return data


BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def duckdb_prototype():  # type: ignore[no-untyped-def]
    """benchmarks/duckdb_engine.py, its engine registered as ``duckdb`` for the
    test (b2bcx itself ships only the embedded and Dask engines)."""
    import importlib.util
    import sys

    from b2bcx.scoring import engines

    pytest.importorskip("duckdb")
    module = sys.modules.get("duckdb_engine")
    if module is None:
        spec = importlib.util.spec_from_file_location(
            "duckdb_engine", BENCHMARKS / "duckdb_engine.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["duckdb_engine"] = module
        spec.loader.exec_module(module)
    name = module.register()
    yield module
    engines.unregister(name)
