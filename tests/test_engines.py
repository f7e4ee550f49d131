"""The engine registry (b2bcx.scoring.engines): names, what each engine can do,
and how the pass asks it rather than comparing names (issue 22)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from tests.test_moments import EXAMPLES, assert_same_tables

from b2bcx import api
from b2bcx.config.models import load_config
from b2bcx.errors import UsageError
from b2bcx.scoring import engines

EXPORT = EXAMPLES / "acme_2026q3.csv"


def test_b2bcx_ships_the_embedded_engine_and_dask() -> None:
    assert engines.names() == ("embedded", "dask")
    assert engines.DEFAULT == "embedded" == engines.default_engine().name
    embedded, dask = engines.get("embedded"), engines.get("dask")
    assert embedded.numbers_rows and dask.numbers_rows
    assert embedded.counts_bytes and not dask.counts_bytes
    assert not embedded.reads_urls and dask.reads_urls
    assert dask.formats == {"csv", "parquet"} < embedded.formats
    assert (embedded.extra, dask.extra) == (None, "dask")


def test_an_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(UsageError) as caught:
        engines.get("spark")
    assert "unknown engine 'spark'" in str(caught.value)
    assert caught.value.hint == "use one of: embedded, dask"


class Counting(engines.Embedded):
    """The embedded engine under another name, reading ``kinds``, counting its runs,
    and handing the pass back when ``hands_back``."""

    name = "counting"
    summary = "in a test"
    numbers_rows = False
    default = False

    def __init__(self, kinds: frozenset[str], hands_back: bool) -> None:
        self.formats = kinds  # type: ignore[misc]
        self.hands_back, self.runs = hands_back, 0

    def run(self, layouts: Sequence[Any], p: Any, **options: Any) -> Any:
        self.runs += 1
        return None if self.hands_back else super().run(layouts, p, **options)


@pytest.fixture
def registered() -> Iterator[list[Counting]]:
    made: list[Counting] = []
    yield made
    for engine in made:
        engines.unregister(engine.name)


def register(made: list[Counting], kinds: set[str], hands_back: bool) -> Counting:
    engine = Counting(frozenset(kinds), hands_back)
    engines.register(engine)
    made.append(engine)
    return engine


def test_a_registered_engine_runs_the_pass(registered: list[Counting]) -> None:
    engine = register(registered, {"csv"}, hands_back=False)
    config = load_config(EXAMPLES / "acme.yaml")
    said: list[str] = []
    got = api.score_files([EXPORT], config, engine="counting", notice=said.append)
    assert got is not None and engine.runs == 1 and said == []
    assert_same_tables(got, api.score_files([EXPORT], config))


def test_an_engine_that_hands_back_leaves_the_pass_to_the_default(
    registered: list[Counting],
) -> None:
    engine = register(registered, {"csv"}, hands_back=True)
    config = load_config(EXAMPLES / "acme.yaml")
    said: list[str] = []
    got = api.score_files([EXPORT], config, engine="counting", notice=said.append)
    assert got is not None and engine.runs == 1
    assert said == [
        "rows the counting engine cannot number: the embedded engine runs the pass"
    ]
    assert_same_tables(got, api.score_files([EXPORT], config))


def test_an_export_the_engine_does_not_read_goes_the_respondent_way(
    registered: list[Counting],
) -> None:
    engine = register(registered, {"parquet"}, hands_back=False)
    config = load_config(EXAMPLES / "acme.yaml")
    assert api.score_files([EXPORT], config, engine="counting") is None
    assert engine.runs == 0


def test_drivers_on_an_engine_without_row_numbers_run_on_the_default(
    registered: list[Counting],
) -> None:
    engine = register(registered, {"csv"}, hands_back=False)
    config = load_config(EXAMPLES / "acme.yaml")
    said: list[str] = []
    got = api.drivers_files(
        [EXPORT], config, engine="counting", bootstrap=20, notice=said.append
    )
    assert got is not None and engine.runs == 0
    assert said == ["key drivers need row order: the embedded engine runs the pass"]


def test_the_registry_imports_nothing_heavy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, b2bcx.scoring.engines as e; e.get('dask'); "
        "print(sorted(m for m in ('pyarrow', 'pandas', 'dask', 'numpy') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
