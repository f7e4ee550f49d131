"""The moments pass (plan -> pass -> finish) against the respondent path.

The reference is b2bcx's respondent path itself (``api.score`` on the whole
export), whose roll-up is checked against R elsewhere (tests/reference/); here the
streamed tables must equal it to 1e-9, errors included.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from b2bcx import api
from b2bcx.config.models import load_config
from b2bcx.errors import DataError
from b2bcx.scoring.finish import Locator, finish
from b2bcx.scoring.moments import (
    Partial,
    fingerprints,
    fold_batch,
    merge,
    merge_all,
    pass_batch,
    plan,
    settle,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LABELS = [
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "strongly agree ",
    "Don't know",
    "",
    "   ",
]
ROLES = ["CEO", "Buyer", " user", "End User", "Janitor", ""]

CONFIG = """
version: 1
columns:
  respondent: Id
  account: Account
  role: Role
  segments: [Region]
  revenue: Revenue
default_scale: agree5
pillars:
  a: {items: [Q1, Q2, Q3]}
  b: {items: [Q4, Q5]}
  c: {items: [Q6]}
items:
  Q2: {reverse: true}
composites:
  ab: {from: [a, b]}
roles:
  weights: {decision_maker: 0.5, influencer: 0.3, user: 0.2}
  decision_role: decision_maker
  map:
    decision_maker: [CEO]
    influencer: [Buyer]
    user: [User, End user]
  unmapped: ignore
outcomes:
  nps: NPS
  renew: {item: Q7, scale: agree5}
rollup:
  method: {method}
  missing_roles: {missing}
  min_respondents: 2
filters:
  dedupe: latest
"""


def write_config(
    tmp_path: Path, method: str = "role_weighted", missing: str = "renormalize"
) -> Path:
    path = tmp_path / f"config_{method}_{missing}.yaml"
    path.write_text(CONFIG.replace("{method}", method).replace("{missing}", missing))
    return path


def write_export(
    path: Path, n: int, seed: int, bad: bool = False, prefix: str = "R"
) -> Path:
    """A plain CSV with blanks, whitespace, non-answers, unmapped roles and no-account rows."""
    rng = np.random.default_rng(seed)
    accounts = np.array(
        [f"ACC-{i:03d}" for i in range(max(n // 6, 2))] + [" ACC-000", ""]
    )
    frame = pd.DataFrame(
        {
            "Id": [f"{prefix}{i}" for i in range(n)],
            "Account": rng.choice(accounts, n),
            "Role": rng.choice(ROLES, n, p=[0.3, 0.3, 0.1, 0.2, 0.05, 0.05]),
            "Region": rng.choice(["EMEA", "APAC", "", "Americas"], n),
            "Revenue": rng.choice(["1,000", "2500", "", "€ 3.5e3"], n),
        }
    )
    for q in range(1, 8):
        frame[f"Q{q}"] = rng.choice(
            LABELS, n, p=[0.1, 0.15, 0.2, 0.25, 0.2, 0.04, 0.04, 0.02]
        )
    frame["NPS"] = rng.choice([str(k) for k in range(11)] + [""], n)
    if bad:
        frame.loc[rng.choice(n, 5, replace=False), "Q3"] = "Agre"
        frame.loc[rng.choice(n, 3, replace=False), "NPS"] = "11"
    frame.to_csv(path, index=False)
    return path


def csv_and_parquet(
    tmp_path: Path, rows: tuple[int, int], seed: int, row_group_size: int | None = None
) -> tuple[Path, Path]:
    """Two exports of one program: ``a.csv``, and ``b.parquet`` (other respondents,
    ids prefixed ``S``, seed + 1) as text columns with blanks as nulls."""
    first = write_export(tmp_path / "a.csv", rows[0], seed=seed)
    second = tmp_path / "b.parquet"
    pd.read_csv(
        write_export(tmp_path / "b.csv", rows[1], seed=seed + 1, prefix="S"),
        dtype=str,
        keep_default_na=False,
    ).replace({"": None}).to_parquet(second, index=False, row_group_size=row_group_size)
    return first, second


def assert_same_tables(streamed, full) -> None:  # type: ignore[no-untyped-def]
    a, b = streamed.accounts, full.accounts
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b) > 0
    for column in b.columns:
        x, y = a[column], b[column]
        if column == "flags":
            assert x.tolist() == y.tolist()
        elif y.dtype.kind in "fiu" and x.dtype.kind in "fiu":
            np.testing.assert_allclose(
                x.to_numpy(float), y.to_numpy(float), rtol=0, atol=1e-9
            )
        else:
            assert (
                x.astype(object).where(x.notna(), None).tolist()
                == y.astype(object).where(y.notna(), None).tolist()
            ), column
    for name in ("segments", "by_role", "lifecycle"):
        pd.testing.assert_frame_equal(
            getattr(streamed, name),
            getattr(full, name),
            check_dtype=False,
            rtol=0,
            atol=1e-9,
        )
    assert api.rows_summary(streamed.rows).equals(api.rows_summary(full.rows))
    assert streamed.problems == full.problems
    assert_same_cells(streamed.index_cells, full.index_cells)


def assert_same_cells(streamed, full) -> None:  # type: ignore[no-untyped-def]
    """The index per account and role (what the like-for-like change reads), by id."""
    assert (streamed is None) == (full is None)
    if full is None:
        return
    rows = pd.Index(streamed.accounts).get_indexer(full.accounts)
    assert (rows >= 0).all() and len(rows) == len(streamed.accounts)
    assert np.array_equal(streamed.present[rows], full.present)
    for name in ("n", "m", "ss"):
        np.testing.assert_allclose(
            getattr(streamed, name)[rows], getattr(full, name), rtol=0, atol=1e-7
        )
    np.testing.assert_array_equal(streamed.weights, full.weights)
    assert streamed.top_only == full.top_only


@pytest.mark.parametrize(
    ("method", "missing"),
    [
        ("role_weighted", "renormalize"),
        ("mean", "renormalize"),
        ("role_weighted", "exclude"),
        ("waterfall", "renormalize"),
    ],
)
def test_streamed_equals_respondent_path_on_generated_data(
    tmp_path: Path, method: str, missing: str
) -> None:
    export = write_export(tmp_path / "export.csv", 600, seed=1)
    config = load_config(write_config(tmp_path, method, missing))
    streamed = api.score_files([export], config)
    assert streamed is not None
    full = api.score(api.load_exports([export]), config)
    assert_same_tables(streamed, full)


def test_streamed_equals_respondent_path_on_two_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import b2bcx.io.batches as batches
    import b2bcx.scoring.engine as engine

    monkeypatch.setattr(engine, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(batches, "BLOCK_BYTES", 20_000)  # many batches per process
    export = write_export(tmp_path / "export.csv", 3000, seed=2)
    export.write_text(export.read_text().replace('"1,000"', "1000"))  # no quotes
    config = load_config(write_config(tmp_path))
    streamed = engine.run_embedded(
        engine.layouts(api.streamed.streamable([export], config)[0], plan(config))[0],  # type: ignore[index]
        plan(config),
        workers=2,
    )
    assert len(streamed.parts) >= 6
    full = api.score(api.load_exports([export]), config)
    monkeypatch.setattr(engine, "WORKERS", 2)
    assert_same_tables(api.score_files([export], config), full)
    monkeypatch.setattr(engine, "WORKERS", 1)
    result = api.score_files([export], config)
    full = api.score(api.load_exports([export]), config)
    assert result is not None
    assert_same_tables(result, full)


def test_streamed_equals_respondent_path_on_the_example(tmp_path: Path) -> None:
    config = load_config(EXAMPLES / "acme.yaml")
    export = EXAMPLES / "acme_2026q3.csv"
    streamed = api.score_files([export], config)
    assert streamed is not None
    full = api.score(api.load_exports([export]), config)
    assert_same_tables(streamed, full)
    master = api.load_master(config, EXAMPLES / "crm_accounts.csv")
    assert_same_tables(
        api.score_files([export], config, master=master),
        api.score(api.load_exports([export]), config, master=master),
    )


def test_several_files_and_parquet_stream_like_one_export(tmp_path: Path) -> None:
    first, second = csv_and_parquet(tmp_path, (300, 200), seed=3)
    config = load_config(write_config(tmp_path))
    streamed = api.score_files([first, second], config)
    assert streamed is not None
    assert_same_tables(streamed, api.score(api.load_exports([first, second]), config))


def census(paths: list[Path], config, engine: str = "embedded"):  # type: ignore[no-untyped-def]
    """The problems the pass finds (before any respondent path)."""
    from b2bcx.api.streamed import streamable
    from b2bcx.scoring.engine import layouts, run_embedded

    p = plan(config)
    sources = streamable(paths, config)[0]  # type: ignore[index]
    placed = layouts(sources, p)[0]
    if engine == "dask":
        from b2bcx.scoring.dask_engine import run_dask

        total = run_dask(placed, p)[0]
    else:
        total = run_embedded(placed, p)
    return finish(total, p, {s.label: s.first_row for s in sources}).problems


def test_bad_answers_are_named_with_file_row_column_value(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv", 400, seed=5, bad=True)
    config = load_config(write_config(tmp_path))
    found = census([export], config)
    with pytest.raises(DataError) as full:
        api.score(api.load_exports([export]), config)
    where = {(p.file, p.row, p.column, p.value, p.problem) for p in found}
    assert where == {
        (p.file, p.row, p.column, p.value, p.problem) for p in full.value.problems
    }
    assert {p.column for p in found} == {"Q3", "NPS"}
    notices: list[str] = []
    assert api.score_files([export], config, notice=notices.append) is None
    assert "bad values" in notices[0]  # the respondent path words the report


def test_duplicates_waves_and_median_leave_it_to_the_respondent_path(
    tmp_path: Path,
) -> None:
    export = write_export(tmp_path / "export.csv", 100, seed=6)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame.loc[[4, 5], ["Id", "Account", "Role"]] = ["R4", "ACC-001", "CEO"]
    duplicated = tmp_path / "dup.csv"
    frame.to_csv(duplicated, index=False)
    config = load_config(write_config(tmp_path))
    notices: list[str] = []
    assert api.score_files([duplicated], config, notice=notices.append) is None
    assert "second time" in notices[0]
    median = config.model_copy(
        update={"rollup": config.rollup.model_copy(update={"within_role": "median"})}
    )
    assert api.score_files([export], median) is None


# -- partials merge associatively; split anywhere equals whole ----------------


def _batch(rows: list[tuple[str, str, str, str]]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [[], [], [], []]
    names = ["Account", "Role", "Region", "Q1"]
    arrays = [pa.array(list(c), pa.string()).dictionary_encode() for c in columns]
    return pa.RecordBatch.from_arrays(arrays, names=names)


SMALL = """
version: 1
columns: {account: Account, role: Role, segments: [Region]}
default_scale: agree5
pillars: {a: {items: [Q1]}}
outcomes: {renew: {item: Q1}}
roles:
  weights: {decision_maker: 0.6, user: 0.4}
  map: {decision_maker: [CEO], user: [User]}
  unmapped: ignore
"""

row = st.tuples(
    st.sampled_from(["A", "B", "C", "D", " ", "B "]),
    st.sampled_from(["CEO", "User", "Other"]),
    st.sampled_from(["EMEA", "APAC", ""]),
    st.sampled_from(["Agree", "Disagree", "Don't know", "", "Strongly agree"]),
)


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("plan") / "small.yaml"
    path.write_text(SMALL)
    return plan(load_config(path), drivers="renew")  # with the drivers' sums


def _close(a: Partial, b: Partial) -> None:
    assert a.accounts.equals(b.accounts)
    for name in ("count", "n", "total", "squares", "complete", "sums", "products"):
        np.testing.assert_allclose(
            getattr(a, name), getattr(b, name), rtol=0, atol=1e-9
        )
    assert np.array_equal(a.first, b.first)
    assert a.census == b.census and a.excluded == b.excluded and a.rows == b.rows
    for column in b.attributes:
        assert _entries(a, column) == _entries(b, column)


def _entries(partial: Partial, column: str) -> set[tuple[str, str, int, int]]:
    """Attribute entries as (account, value, count, first row)."""
    names = {k: v for v, k in partial.vocabulary[column].items()}
    table = partial.attributes[column]
    accounts = partial.accounts.to_pylist()
    return {
        (accounts[a], names[v], int(k), int(f))
        for a, v, k, f in zip(
            table["account"],
            table["value"],
            table["count"],
            table["first"],
            strict=True,
        )
    }


@settings(deadline=None)
@given(
    st.lists(row, max_size=40), st.lists(row, max_size=40), st.lists(row, max_size=40)
)
def test_merge_is_associative(small_plan, x, y, z) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (
        pass_batch(_batch(r), small_plan, k, "f.csv") for k, r in enumerate([x, y, z])
    )
    _close(merge(a, merge(b, c)), merge(merge(a, b), c))


@settings(deadline=None)
@given(st.lists(row, min_size=1, max_size=60), st.data())
def test_split_anywhere_equals_whole(small_plan, rows, data) -> None:  # type: ignore[no-untyped-def]
    cut = data.draw(st.integers(0, len(rows)))
    whole = pass_batch(_batch(rows), small_plan, 0, "f.csv")
    parts = merge(
        pass_batch(_batch(rows[:cut]), small_plan, 0, "f.csv"),
        pass_batch(_batch(rows[cut:]), small_plan, 1, "f.csv"),
    )
    if not whole.count.sum():
        return
    assert whole.accounts.equals(parts.accounts)
    for name in ("complete", "sums", "products"):
        np.testing.assert_allclose(
            getattr(parts, name), getattr(whole, name), atol=1e-9
        )
    assert np.array_equal(  # the first complete case, named in the whole batch
        np.where(parts.first >> 32 == 1, (parts.first & 0xFFFFFFFF) + cut, parts.first),
        whole.first,
    )
    left, right = (
        finish(whole, small_plan, {"f.csv": 2}),
        finish(parts, small_plan, {"f.csv": 2}),
    )
    pd.testing.assert_frame_equal(
        left.tables.accounts, right.tables.accounts, rtol=0, atol=1e-9
    )
    assert left.tables.attribute_warnings == right.tables.attribute_warnings
    assert left.problems == right.problems
    locate = Locator(parts, {"f.csv": 2})
    assert locate(1 << 32) == ("f.csv", 2 + cut)


def test_account_ids_sharing_a_fingerprint_are_never_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import b2bcx.scoring.moments as moments

    export = write_export(tmp_path / "export.csv", 300, seed=5)
    config = load_config(write_config(tmp_path))
    exact = moments.fingerprints
    # two prints for every id: different accounts share one; repeated ids too
    monkeypatch.setattr(moments, "fingerprints", lambda ids: exact(ids) & np.uint64(1))
    said: list[str] = []
    assert api.score_files([export], config, notice=said.append) is None
    assert said == [
        "reading the export again the careful way (two account ids share a fingerprint)"
    ]


def test_finish_lets_the_sums_go_and_keeps_the_row_accounting(small_plan) -> None:  # type: ignore[no-untyped-def]
    rows = [("A", "CEO", "EMEA", "Agree"), ("B", "User", "APAC", "Disagree")]
    total = pass_batch(_batch(rows), small_plan, 0, "f.csv")
    done = finish(total, small_plan, {"f.csv": 2})
    assert total.n.size == total.total.size == total.products.size == 0
    assert total.count.sum() == 2  # respondents per account x role stay
    assert list(done.tables.accounts["account"]) == ["A", "B"]
    scored = done.rows.loc[done.rows["status"] == "scored", "count"]
    assert scored.tolist() == [2]


@settings(deadline=None)
@given(st.lists(st.lists(row, max_size=30), min_size=1, max_size=4))
def test_folding_batches_equals_merging_their_partials(small_plan, batches) -> None:  # type: ignore[no-untyped-def]
    folded, parts = Partial.empty(small_plan), []
    for part, rows in enumerate(batches):
        folded = fold_batch(folded, _batch(rows), small_plan, part, "f.csv")
        parts.append(pass_batch(_batch(rows), small_plan, part, "f.csv"))
    merged = merge_all(parts, small_plan)
    # merged with nothing, the folded accounts come in id order, as merged ones do
    _close(merge(Partial.empty(small_plan), settle(folded)), merged)
    assert folded.answered == merged.answered
    assert folded.parts == merged.parts


# -- the Dask engine on a local cluster ----------------------------------------


# dask's Parquet reader calls reset_index(inplace=True), deprecated in pandas 3.1
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_dask_engine_on_a_local_cluster_equals_the_embedded_engine(
    tmp_path: Path,
) -> None:
    from distributed import LocalCluster

    first, second = csv_and_parquet(tmp_path, (500, 300), seed=7)
    config = load_config(write_config(tmp_path))
    embedded = api.score_files([first, second], config)
    drivers = {"by_role": True, "bootstrap": 100}
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        on_dask = api.score_files(
            [first, second], config, engine="dask", scheduler=cluster.scheduler_address
        )
        dask_drivers = api.drivers_files(
            [first, second],
            config,
            engine="dask",
            scheduler=cluster.scheduler_address,
            **drivers,
        )
    assert embedded is not None and on_dask is not None
    assert_same_tables(on_dask, embedded)
    assert_same_tables(on_dask, api.score(api.load_exports([first, second]), config))
    from tests.test_drivers_streamed import assert_same_analysis

    assert_same_analysis(
        dask_drivers, api.drivers_files([first, second], config, **drivers)
    )


def test_dask_engine_names_bad_answers_like_the_embedded_engine(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv", 400, seed=9, bad=True)
    config = load_config(write_config(tmp_path))
    found = census([export], config, "dask")
    assert found == census([export], config)
    assert {p.column for p in found} == {"Q3", "NPS"}


def test_score_command_takes_engine_and_scheduler(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from b2bcx.cli import app

    export = write_export(tmp_path / "export.csv", 300, seed=10)
    config = write_config(tmp_path)
    runner = CliRunner()
    outputs = {}
    for engine in ("embedded", "dask"):
        out = tmp_path / f"{engine}.csv"
        done = runner.invoke(
            app,
            [
                "--quiet",
                "score",
                str(export),
                "-c",
                str(config),
                "--engine",
                engine,
                "-o",
                str(out),
            ],
        )
        assert done.exit_code == 0, done.output
        outputs[engine] = pd.read_csv(out)
    pd.testing.assert_frame_equal(
        outputs["dask"], outputs["embedded"], rtol=0, atol=1e-9
    )
    unknown = runner.invoke(
        app, ["score", str(export), "-c", str(config), "--engine", "spark"]
    )
    assert unknown.exit_code == 2


def test_batches_read_ahead_keep_order_and_errors() -> None:
    from b2bcx.scoring.engine import ahead

    assert list(ahead(iter(range(50)))) == list(range(50))

    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("malformed line")

    got = []
    with pytest.raises(ValueError, match="malformed"):
        for item in ahead(failing()):
            got.append(item)
    assert got == [1]
    first = next(iter(ahead(iter(range(1000)))))  # the consumer stops early
    assert first == 0


def test_a_malformed_line_is_read_again_the_careful_way(tmp_path: Path) -> None:
    export = write_export(tmp_path / "export.csv", 3000, seed=11)
    text = export.read_text().splitlines()
    text.insert(2900, text[2900] + ",extra,cells")  # past the sniffed head
    export.write_text("\n".join(text) + "\n")
    config = load_config(write_config(tmp_path))
    notices: list[str] = []
    assert api.score_files([export], config, notice=notices.append) is None
    assert "careful" in notices[0]
    with pytest.raises(DataError, match="more fields"):
        api.score(api.load_exports([export]), config)


def write_repeats(path: Path, n: int, seed: int, times: bool = True) -> Path:
    """An export whose respondent ids repeat (some rows the same answers, some
    not), with a response time column where the later row is not always last."""
    write_export(path, n, seed=seed)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    again = frame.iloc[rng.choice(n, n // 5, replace=False)].copy()
    changed = again.index[: len(again) // 2]
    again.loc[changed, "Q1"] = "Agree"
    again.loc[changed, "NPS"] = "10"
    both = pd.concat([frame, again]).sample(frac=1, random_state=seed)
    if times:
        days = rng.integers(1, 28, len(both))
        both["RecordedDate"] = [f"2026-09-{d:02d} 10:00:00" for d in days]
    both.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("times", "policy"), [(True, "latest"), (False, "latest"), (True, "first")]
)
def test_dask_engine_drops_repeated_ids_before_the_pass(
    tmp_path: Path, times: bool, policy: str
) -> None:
    from distributed import LocalCluster

    first = write_repeats(tmp_path / "a.csv", 400, seed=11, times=times)
    second = write_repeats(tmp_path / "b.csv", 250, seed=12, times=times)
    path = write_config(tmp_path)
    path.write_text(path.read_text().replace("dedupe: latest", f"dedupe: {policy}"))
    config = load_config(path)
    full = api.score(api.load_exports([first, second]), config)
    assert "duplicate respondent id" in set(full.rows["reason"].dropna())
    assert api.score_files([first, second], config) is None  # embedded: second read
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ) as cluster:
        on_dask = api.score_files(
            [first, second], config, engine="dask", scheduler=cluster.scheduler_address
        )
    assert on_dask is not None
    assert_same_tables(on_dask, full)
    said = [w.problem for w in on_dask.problems]
    assert any("although its answers differ" in w for w in said)
    assert times or any("(the same answers)" in w for w in said)


def test_dask_engine_reads_globs_and_urls(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from b2bcx.cli import app

    folder = tmp_path / "exports"
    folder.mkdir()
    first = write_export(folder / "2026q3_a.csv", 300, seed=13)
    second = write_export(folder / "2026q3_b.csv", 200, seed=14, prefix="S")
    config = write_config(tmp_path)
    runner = CliRunner()

    def scored(*exports: str, engine: str = "dask") -> pd.DataFrame:
        out = tmp_path / "out.csv"
        done = runner.invoke(
            app,
            [
                "--quiet",
                "score",
                *exports,
                "-c",
                str(config),
                "--engine",
                engine,
                "-o",
                str(out),
            ],
        )
        assert done.exit_code == 0, done.output
        return pd.read_csv(out)

    expected = scored(str(first), str(second), engine="embedded")
    assert expected["n"].sum() > 0
    for exports in (
        [str(folder / "2026q3_*.csv")],
        [first.as_uri(), second.as_uri()],
        [f"file://{folder}/2026q3_*.csv"],
    ):
        pd.testing.assert_frame_equal(scored(*exports), expected, rtol=0, atol=1e-9)
    over = [str(folder / "2026q3_*.csv"), "-c", str(config), "-o", str(first)]
    assert runner.invoke(app, ["score", *over]).exit_code == 2  # an input, by glob
    # a URL without the dask engine, and a glob that matches nothing
    assert (
        runner.invoke(app, ["score", first.as_uri(), "-c", str(config)]).exit_code == 2
    )
    missing = runner.invoke(
        app,
        ["score", str(folder / "none_*.csv"), "-c", str(config), "--engine", "dask"],
    )
    assert missing.exit_code == 1 and "no file matches" in missing.output


@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")  # as above
def test_dask_engine_reads_object_storage(tmp_path: Path) -> None:
    """fsspec's in-memory file system stands in for S3: the header is read through
    fsspec and Dask reads the URL."""
    import fsspec

    local = [
        write_export(tmp_path / "a.csv", 300, seed=15),
        write_export(tmp_path / "b.csv", 200, seed=16, prefix="S"),
    ]
    memory = fsspec.filesystem("memory")
    memory.pipe("/b2bcx-test/a.csv", local[0].read_bytes())
    parquet = tmp_path / "b.parquet"
    pd.read_csv(local[1], dtype=str, keep_default_na=False).replace(
        {"": None}
    ).to_parquet(parquet, index=False)
    memory.pipe("/b2bcx-test/b.parquet", parquet.read_bytes())
    config = load_config(write_config(tmp_path))
    try:
        on_dask = api.score_files(
            ["memory://b2bcx-test/a.csv", "memory://b2bcx-test/b.*"],
            config,
            engine="dask",
        )
    finally:
        memory.rm("/b2bcx-test", recursive=True)
    assert on_dask is not None
    assert [f.rsplit("/", 2)[1:] for f in on_dask.files] == [
        ["b2bcx-test", "a.csv"],
        ["b2bcx-test", "b.parquet"],
    ]
    assert all(f.startswith("memory://") for f in on_dask.files)
    expected = api.score_files(local, config)
    assert expected is not None
    pd.testing.assert_frame_equal(
        on_dask.accounts, expected.accounts, rtol=0, atol=1e-9
    )


def test_progress_is_told_the_bytes_read_after_every_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import math

    from b2bcx.io import batches

    monkeypatch.setattr(batches, "BLOCK_BYTES", 4096)
    first, second = csv_and_parquet(tmp_path, (600, 300), seed=17, row_group_size=100)
    config = load_config(write_config(tmp_path))
    told: list[tuple[int, int]] = []
    result = api.score_files(
        [first, second], config, progress=lambda done, total: told.append((done, total))
    )
    assert result is not None
    sizes = [first.stat().st_size, second.stat().st_size]
    blocks = math.ceil(sizes[0] / 4096)
    assert blocks > 5
    assert len(told) == blocks + 1  # one Parquet batch (iter_batches joins row groups)
    assert {total for _, total in told} == {sum(sizes)}
    done = [d for d, _ in told]
    assert done == sorted(done) and done[blocks - 1] == sizes[0]
    assert done[-1] == sum(sizes)


def test_the_progress_bar_shows_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    from b2bcx.cli import common

    with common.watching() as watch:  # pytest's stderr is no terminal
        assert watch.progress is None and watch.step is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with common.watching() as watch:
        assert watch.progress is not None and watch.step is not None
        watch.step("scoring accounts")
        watch.progress(10, 100)
    monkeypatch.setattr(common.State, "quiet", True)
    with common.watching() as watch:
        assert watch.progress is None


# -- respondent id fingerprints (the duplicate check) ---------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=60), st.data())
def test_fingerprints_are_equal_exactly_when_the_ids_are(ids, data) -> None:  # type: ignore[no-untyped-def]
    start = data.draw(st.integers(0, len(ids) - 1))
    array = pa.array(["pad", *ids]).slice(1 + start)  # a slice: offsets not at 0
    prints = fingerprints(array)
    texts = ids[start:]
    for i, j in itertools.combinations(range(len(texts)), 2):
        assert (prints[i] == prints[j]) == (texts[i] == texts[j])
    assert np.array_equal(prints, fingerprints(pa.array(texts)))
    assert np.array_equal(prints, fingerprints(array.cast(pa.large_string())))


def test_fingerprints_of_a_million_ids_do_not_collide() -> None:
    ids = pa.array([f"R_{k:08d}" for k in range(1_000_000)])
    assert len(np.unique(fingerprints(ids))) == len(ids)
    assert fingerprints(pa.array([], pa.string())).shape == (0,)


def test_the_pass_keeps_each_cross_product_matrix_as_its_upper_triangle(
    tmp_path: Path,
) -> None:
    """Mirrored, the triangle the pass keeps per account x role is the full
    ``Σ(x − c)(x − c)ᵀ`` of the cell's complete cases, summed here row by row."""
    from b2bcx.scoring import moments

    export = write_export(tmp_path / "export.csv", 400, seed=31)
    p = plan(load_config(write_config(tmp_path)), drivers="nps")
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    batch = pa.RecordBatch.from_pandas(frame[[c for c in p.read if c in frame]])
    total = pass_batch(batch, p, 0, "export.csv")
    q = len(p.cross)
    assert total.products.shape == (len(total.accounts), len(p.roles), q * (q + 1) // 2)
    kept = moments._kept(batch, p, 0, "export.csv", None, None)
    scores = kept.scores(p)
    x = np.column_stack([scores[c] for c in p.cross]) - np.asarray(p.centre)
    whole = ~np.isnan(x).any(axis=1)
    expected = np.zeros((len(total.accounts), len(p.roles), q, q))
    for row, account, role in zip(
        x[whole], kept.account[whole], kept.role[whole], strict=True
    ):
        expected[account, role] += np.outer(row, row)
    assert whole.sum() > 100 and (expected != 0).any()
    np.testing.assert_allclose(
        moments.full_products(total.products, q), expected, rtol=1e-12, atol=1e-9
    )
