"""Regressions of the second attack round on the engines and their inputs: the Dask
scheduler, missing engine extras, secrets in URLs, Parquet columns (issue 21,
defects 3, 4, 5 and 12).

Every input is built here. Tests that talk to a scheduler have "dask" in their
name, so that they share one xdist worker (tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.test_attack import BAD, run

from b2bcx.errors import DataError, Problem, UsageError, mask_secrets

SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """good.csv and good.yaml, copied into a fresh folder."""
    export = tmp_path / "export.csv"
    config = tmp_path / "program.yaml"
    shutil.copy(BAD / "good.csv", export)
    shutil.copy(BAD / "good.yaml", config)
    return {"export": export, "config": config}


def cli(*args: Any, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``b2bcx ARGS`` in a process of its own, killed after ``timeout`` seconds
    (a hang fails the test instead of stopping the suite)."""
    return subprocess.run(
        [sys.executable, "-m", "b2bcx", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={
            **os.environ,
            "PYTHONPATH": str(SRC),
            "B2BCX_SCHEDULER_TIMEOUT": "1",
            "COLUMNS": "400",
        },
    )


# -- 3. a port that is not a Dask scheduler ------------------------------------------
@pytest.fixture(params=["silent", "http"])
def impostor(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """A server on 127.0.0.1 that accepts connections and either says nothing or
    answers as a web server; yields its address and what it is."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)
            if request.param == "http":
                threading.Thread(target=answer, args=(connection,), daemon=True).start()

    def answer(connection: socket.socket) -> None:
        """As a web server does: wait for the request, then answer it."""
        try:
            connection.settimeout(30)
            if connection.recv(65536):
                connection.sendall(
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
                )
        except OSError:  # the client hung up first
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    host, port = server.getsockname()
    yield f"tcp://{host}:{port}", request.param
    stop.set()
    thread.join(5)
    server.close()
    for connection in held:
        connection.close()


@pytest.mark.parametrize("command", ["score", "drivers"])
def test_dask_scheduler_that_is_not_one_is_a_clear_error(
    inputs: dict[str, Path], impostor: tuple[str, str], command: str
) -> None:
    address, kind = impostor
    done = cli(
        command, inputs["export"], "-c", inputs["config"], "--engine", "dask",
        "--scheduler", address,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"{address} does not answer as a Dask scheduler" in done.stderr
    why = "no answer within 1 s" if kind == "silent" else "in another protocol"
    assert why in done.stderr
    assert "hint:" in done.stderr
    assert "out of memory" not in done.stderr and "internal error" not in done.stderr


def test_dask_scheduler_on_a_closed_port_fails_at_once(
    inputs: dict[str, Path],
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]  # free once the with block ends
    done = cli(
        "score", inputs["export"], "-c", inputs["config"], "--engine", "dask",
        "--scheduler", f"127.0.0.1:{port}",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in done.stderr
    assert "internal error" not in done.stderr


def test_dask_scheduler_timeout_must_be_seconds() -> None:
    from b2bcx.scoring import dask_engine

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("B2BCX_SCHEDULER_TIMEOUT", "soon")
        with pytest.raises(UsageError, match="B2BCX_SCHEDULER_TIMEOUT"):
            dask_engine.connect_seconds()
        patch.setenv("B2BCX_SCHEDULER_TIMEOUT", "2.5")
        assert dask_engine.connect_seconds() == pytest.approx(2.5)
        patch.delenv("B2BCX_SCHEDULER_TIMEOUT")
        assert dask_engine.connect_seconds() == pytest.approx(10.0)


def test_dask_scheduler_over_tcp_still_scores(tmp_path: Path) -> None:
    """The checks before the client let a real scheduler through."""
    from distributed import LocalCluster

    from b2bcx import api
    from b2bcx.config.models import load_config

    config = load_config(BAD / "good.yaml")
    export = BAD / "good.csv"
    with LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp://",
        dashboard_address=":0",
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://")
        on_dask = api.score_files(
            [export], config, engine="dask", scheduler=cluster.scheduler_address
        )
    here = api.score_files([export], config)
    assert on_dask is not None and here is not None
    assert on_dask.accounts["index"].tolist() == pytest.approx(
        here.accounts["index"].tolist(), abs=1e-9, nan_ok=True
    )


# -- 4. an engine whose extra is not installed --------------------------------------
def _unimportable(monkeypatch: pytest.MonkeyPatch, module: str, way: str) -> None:
    """Make ``import MODULE`` fail: through sys.modules (with the engine adapter
    imported afresh, as on a machine without the extra, or kept as imported), or
    through the import statement itself."""
    import builtins

    import b2bcx.scoring

    if way == "import":
        real = builtins.__import__

        def refuse(name: str, *args: Any, **kwargs: Any) -> Any:
            if name == module or name.startswith(f"{module}."):
                raise ModuleNotFoundError(f"No module named {module!r}", name=module)
            return real(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", refuse)
        return
    monkeypatch.setitem(sys.modules, module, None)
    if way == "modules, fresh adapter":
        adapter = f"{module}_engine"
        monkeypatch.delitem(sys.modules, f"b2bcx.scoring.{adapter}", raising=False)
        monkeypatch.delattr(b2bcx.scoring, adapter, raising=False)


@pytest.mark.parametrize("way", ["modules, fresh adapter", "modules", "import"])
@pytest.mark.parametrize("engine", ["dask"])
@pytest.mark.parametrize("command", ["score", "drivers"])
def test_an_engine_without_its_extra_is_a_usage_error(
    inputs: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    engine: str,
    way: str,
    command: str,
) -> None:
    _unimportable(monkeypatch, engine, way)
    result = run(command, inputs["export"], "-c", inputs["config"], "--engine", engine)
    assert result.exit_code == 2, result.output
    assert f"`--engine {engine}` needs" in result.output
    assert f"b2bcx[{engine}]" in result.output


# -- 5. scheduler addresses and secrets in messages ---------------------------------
@pytest.mark.parametrize(
    "address",
    [
        "not an address",
        "tcp://host:port",
        "tcp://127.0.0.1:99999",
        "tcp://:8786",
        "http://127.0.0.1:8786",
        "tcp://127.0.0.1:8786/status?token=abc",
        "tcp://admin:hunter2@127.0.0.1:8786",
    ],
)
def test_a_malformed_dask_scheduler_address_is_a_usage_error(
    inputs: dict[str, Path], address: str
) -> None:
    result = run(
        "score", inputs["export"], "-c", inputs["config"], "--engine", "dask",
        "--scheduler", address,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "is not a Dask scheduler address" in result.output
    assert "hunter2" not in result.output and "token=abc" not in result.output


def test_a_password_in_a_dask_scheduler_address_is_masked(
    inputs: dict[str, Path],
) -> None:
    result = run(
        "drivers", inputs["export"], "-c", inputs["config"], "--engine", "dask",
        "--scheduler", "tcp://admin:hunter2@127.0.0.1:8786",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "tcp://***@127.0.0.1:8786" in result.output
    assert "hunter2" not in result.output


SIGNED = (
    "s3://AKIAKEY:wJalrSECRET@cx-exports/2026q3.csv"
    "?X-Amz-Credential=AKIAKEY&X-Amz-Signature=f00dcafe&sig=abc&token=xyz&key=k3y"
)
SECRETS = ("wJalrSECRET", "AKIAKEY", "f00dcafe", "sig=abc", "token=xyz", "key=k3y")


@pytest.mark.parametrize("engine", ["embedded", "dask"])
def test_secrets_in_an_export_url_are_masked(
    inputs: dict[str, Path], engine: str
) -> None:
    """Without the Dask engine a URL is a usage error; with it, a URL whose file
    system is not installed a data error: neither shows the secrets."""
    if engine == "dask" and importlib.util.find_spec("s3fs") is not None:
        pytest.skip("s3fs would try to reach S3 with the made-up key")
    result = run("score", SIGNED, "-c", inputs["config"], "--engine", engine)
    assert result.exit_code in (1, 2), result.output
    assert "s3://***@cx-exports/2026q3.csv" in result.output
    assert not [s for s in SECRETS if s in result.output], result.output


def test_one_function_masks_every_secret_in_a_url() -> None:
    masked = mask_secrets(f"cannot read {SIGNED}: access denied")
    assert masked == (
        "cannot read s3://***@cx-exports/2026q3.csv?X-Amz-Credential=***"
        "&X-Amz-Signature=***&sig=***&token=***&key=***: access denied"
    )
    assert mask_secrets("https://tok3n@example.com/a#access_token=x") == (
        "https://***@example.com/a#access_token=***"
    )
    # addresses and paths without secrets, and e-mail addresses, are left alone
    for text in ("tcp://10.0.0.5:8786", "memory://b/a.csv", "see ana@example.com"):
        assert mask_secrets(text) == text


def test_errors_problems_and_notes_are_masked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from b2bcx.cli.common import note

    error = DataError(f"cannot read {SIGNED}", hint=f"retry {SIGNED}")
    problem = Problem(
        f"bad {SIGNED}", hint=SIGNED, file=SIGNED, value=SIGNED, code="not-utf8"
    )
    note(f"reading {SIGNED}")
    shown = [str(error), problem.describe(), capsys.readouterr().err]
    for text in shown:
        assert "s3://***@cx-exports" in text
        assert not [s for s in SECRETS if s in text], text


def test_an_internal_error_and_its_debug_traceback_are_masked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import b2bcx.cli as cli_module

    def broken() -> None:
        raise RuntimeError(f"lost {SIGNED}")

    monkeypatch.setattr(cli_module, "app", broken)
    for flags in ([], ["--debug"]):
        monkeypatch.setattr(sys, "argv", ["b2bcx", *flags])
        cli_module.State.debug = bool(flags)
        with pytest.raises(SystemExit) as stopped:
            cli_module.main()
        assert stopped.value.code == 1
        err = capsys.readouterr().err
        assert "s3://***@cx-exports" in err
        assert not [s for s in SECRETS if s in err], err


# -- 12. Parquet columns: one set of rules for every command -------------------------
def _parquet(path: Path, change: str) -> Path:
    """good.csv as Parquet, with one column changed as ``change`` says."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = pd.read_csv(BAD / "good.csv", dtype=str, keep_default_na=False)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    q1 = table.schema.get_field_index("Q1")
    if change == "binary":  # every text column as bytes
        table = pa.table(
            {
                name: pa.array([v.encode() for v in frame[name]], pa.binary())
                for name in frame.columns
            }
        )
    elif change == "not utf-8":
        values = [v.encode() for v in frame["Q1"]]
        values[2] = b"Agr\xffee"
        table = table.set_column(q1, "Q1", pa.array(values, pa.binary()))
    elif change == "nested, read":
        table = table.set_column(q1, "Q1", pa.array([[1, 2]] * len(frame)))
    elif change == "nested, not read":
        table = table.append_column("Meta", pa.array([{"a": 1}] * len(frame)))
    elif change == "repeated name":
        table = pa.Table.from_arrays(
            [*table.columns, table.column("Region")],
            names=[*table.column_names, "Region"],
        )
    pq.write_table(table, path)
    return path


COMMANDS = {
    "score": ["score"],
    "score-dask": ["score", "--engine", "dask"],
    "drivers": ["drivers"],
    "drivers-dask": ["drivers", "--engine", "dask"],
    "report": ["report"],
    "validate": ["validate"],
}


def _each_command(export: Path, config: Path, tmp_path: Path) -> dict[str, Any]:
    done = {}
    for name, command in COMMANDS.items():
        output = ["-o", tmp_path / "report.xlsx"] if name == "report" else []
        done[name] = run(*command, export, "-c", config, *output)
    return done


# dask's Parquet reader calls reset_index(inplace=True), deprecated in pandas 3.1
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
@pytest.mark.parametrize(
    ("change", "said"),
    [
        ("nested, read", "column holds nested values (list<element: int64>)"),
        ("nested, not read", "column holds nested values (struct<a: int64>)"),
        ("repeated name", "column name 'Region' occurs 2 times (columns 4, 11)"),
        ("not utf-8", "the value is not UTF-8 text"),
    ],
)
def test_a_parquet_export_every_command_refuses_alike_also_on_dask(
    inputs: dict[str, Path], tmp_path: Path, change: str, said: str
) -> None:
    export = _parquet(tmp_path / "export.parquet", change)
    for name, result in _each_command(export, inputs["config"], tmp_path).items():
        assert result.exit_code == 1, (name, result.output)
        assert said in result.output, (name, result.output)
        assert "internal error" not in result.output
    if change == "not utf-8":  # the row and column of the value
        from b2bcx.io.parquet import read_parquet

        with pytest.raises(DataError) as refused:
            read_parquet(export, "export.parquet")
        found = [(p.row, p.column, p.value) for p in refused.value.problems]
        assert found == [(3, "Q1", "Agr\ufffdee")]
    assert not (tmp_path / "report.xlsx").exists()


# dask's Parquet reader calls reset_index(inplace=True), deprecated in pandas 3.1
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_binary_parquet_columns_read_as_text_by_every_command_also_on_dask(
    inputs: dict[str, Path], tmp_path: Path
) -> None:
    export = _parquet(tmp_path / "export.parquet", "binary")
    done = _each_command(export, inputs["config"], tmp_path)
    assert {name: r.exit_code for name, r in done.items()} == dict.fromkeys(COMMANDS, 0)
    as_csv = run("score", inputs["export"], "-c", inputs["config"], "--format", "csv")
    for engine in ("embedded", "dask"):
        scored = run(
            "score", export, "-c", inputs["config"], "--engine", engine,
            "--format", "csv",
        )  # fmt: skip
        assert scored.stdout == as_csv.stdout
