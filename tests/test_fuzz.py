"""Fuzzing (issue 8): whatever bytes or YAML b2bcx is given, it either works or raises
one of its own errors - never a KeyError, IndexError or a library's exception.

Readers get random bytes under every extension, and valid exports of every format
with bytes flipped, cut or inserted. The config parser gets random nested data,
mutated versions of examples/acme.yaml and mutated YAML text. The runs are
derandomised so that CI is reproducible; the cases they found are pinned in
tests/data/bad/cases.yaml.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import csv
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from tests.conftest import EXAMPLES

from b2bcx import api
from b2bcx.config.models import load_config, parse_config
from b2bcx.errors import B2bcxError, ConfigError
from b2bcx.io import read_export

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    # no shrinking: a failure is shown as found (the known ones are pinned as
    # explicit examples and in tests/data/bad), and CI time stays bounded
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
BAD = Path(__file__).resolve().parent / "data" / "bad"
EXTENSIONS = [".csv", ".tsv", ".txt", ".xlsx", ".sav", ".parquet"]
MAGIC = [
    b"",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    b"PAR1",
    b"$FL2",
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    b"sep=;\n",
]


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="b2bcx-fuzz-") as name:
        yield Path(name)


def read_or_refuse(path: Path, content: bytes) -> None:
    """``read_export`` succeeds or raises a B2bcxError; anything else fails the test."""
    path.write_bytes(content)
    try:
        export = read_export(path)
    except B2bcxError:
        return
    assert len(export.frame) > 0
    assert {"_file", "_row"} <= set(export.frame.columns)


# -- readers: random bytes --------------------------------------------------------------
@FUZZ
@given(
    magic=st.sampled_from(MAGIC),
    body=st.binary(max_size=2048),
    suffix=st.sampled_from(EXTENSIONS),
)
def test_random_bytes_are_read_or_refused(
    folder: Path, magic: bytes, body: bytes, suffix: str
) -> None:
    read_or_refuse(folder / f"random{suffix}", magic + body)


# -- readers: valid exports of every format, damaged ---------------------------------
FRAME = pd.DataFrame(
    {
        "Id": ["R1", "R2", "R3"],
        "Account": ["Müller GmbH", "B", "Müller GmbH"],
        "Role": ["User", "Influencer", "Decision maker"],
        "Q1": ["Agree", "Disagree", ""],
        "NPS": [9.0, 6.0, 10.0],
        "Comment": ["fine, thanks", 'said "ok"', "two\nlines"],
    }
)


def _workbook_bytes(path: Path) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Survey export"])
    sheet.append(list(FRAME.columns))
    for row in FRAME.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)
    return path.read_bytes()


def _sav_bytes(path: Path) -> bytes:
    pyreadstat.write_sav(
        FRAME,
        path,
        column_labels={"NPS": "Wie wahrscheinlich?"},
        variable_value_labels={"NPS": {10.0: "Extremely likely"}},
    )
    return path.read_bytes()


def _parquet_bytes(path: Path) -> bytes:
    FRAME.to_parquet(path)
    return path.read_bytes()


def _qualtrics_text() -> str:
    out = io.StringIO()
    rows = [
        ["Status", "Finished", "ResponseId", "Q1", "Q2_1"],
        ["Antworttyp", "Beendet", "Antwort-ID", "Rolle?", "Aussagen - Ehrlich"],
        [
            '{"ImportId":"status"}',
            '{"ImportId":"finished"}',
            '{"ImportId":"_recordId"}',
            '{"ImportId":"QID1"}',
            '{"ImportId":"QID2_1"}',
        ],
        ["IP Address", "True", "R_1", "User", "Agree"],
        ["Survey Preview", "True", "R_2", "User", "Disagree"],
    ]
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeds(folder: Path) -> dict[str, tuple[bytes, str]]:
    """Valid exports as bytes, with their natural extension."""
    csv_text = FRAME.to_csv(index=False)
    return {
        "csv": (csv_text.encode(), ".csv"),
        "csv-cp1252-semicolon": (
            FRAME.to_csv(index=False, sep=";").encode("cp1252"),
            ".csv",
        ),
        "tsv-utf16": (FRAME.to_csv(index=False, sep="\t").encode("utf-16"), ".tsv"),
        "qualtrics": (_qualtrics_text().encode("utf-8-sig"), ".csv"),
        "xlsx": (_workbook_bytes(folder / "seed.xlsx"), ".xlsx"),
        "sav": (_sav_bytes(folder / "seed.sav"), ".sav"),
        "parquet": (_parquet_bytes(folder / "seed.parquet"), ".parquet"),
    }


def test_seeds_are_valid_exports(
    folder: Path, seeds: dict[str, tuple[bytes, str]]
) -> None:
    for name, (content, suffix) in seeds.items():
        path = folder / f"seed-{name}{suffix}"
        path.write_bytes(content)
        assert len(read_export(path).frame) >= 1, name


mutation = st.tuples(
    st.sampled_from(["flip", "cut", "insert", "delete"]),
    st.floats(0, 1, exclude_max=True),
    st.binary(min_size=1, max_size=16),
)


def mutate(content: bytes, mutations: list[tuple[str, float, bytes]]) -> bytes:
    data = bytearray(content)
    for kind, where, payload in mutations:
        if not data:
            break
        at = int(where * len(data))
        if kind == "flip":
            data[at : at + len(payload)] = payload[: len(data) - at]
        elif kind == "cut":
            del data[max(at, 1) :]
        elif kind == "insert":
            data[at:at] = payload
        else:
            del data[at : at + 4 * len(payload)]
    return bytes(data)


@FUZZ
@given(
    seed=st.sampled_from(
        [
            "csv",
            "csv-cp1252-semicolon",
            "tsv-utf16",
            "qualtrics",
            "xlsx",
            "sav",
            "parquet",
        ]
    ),
    mutations=st.lists(mutation, min_size=1, max_size=4),
    rename=st.sampled_from([None, *EXTENSIONS]),
)
def test_damaged_exports_are_read_or_refused(
    folder: Path,
    seeds: dict[str, tuple[bytes, str]],
    seed: str,
    mutations: list[tuple[str, float, bytes]],
    rename: str | None,
) -> None:
    content, suffix = seeds[seed]
    read_or_refuse(folder / f"damaged{rename or suffix}", mutate(content, mutations))


# -- readers and scoring: random cells in a valid layout ----------------------------
HEADER = ["Id", "Account", "Role", "Region", "Q1", "Q2", "Q3", "Q4", "NPS", "Comment"]
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "Agree",
            "Strongly disagree",
            "Don't know",
            "N/A",
            "9",
            "10",
            "7,5",
            "11",
            "-1",
            "nan",
            "inf",
            "1e1",
            "User",
            "Decision maker",
            "Influencer",
            "ACC-1",
            "ACC-2",
            "R1",
            "=1+2",
            "2026-03-01",
            "Status",
            "Finished",
        ]
    ),
    st.text(max_size=12),
)


@FUZZ
@given(
    rows=st.lists(st.lists(CELLS, min_size=10, max_size=10), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
@example(  # every row excluded (no account): nothing left to score
    rows=[["R1", "", "User", "EMEA", "Agree", "Agree", "Agree", "Agree", "9", ""]],
    delimiter=",",
    encoding="utf-8",
)
def test_random_answers_are_scored_or_refused(
    folder: Path, rows: list[list[str]], delimiter: str, encoding: str
) -> None:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(
        [HEADER, *rows]
    )
    path = folder / "answers.csv"
    path.write_bytes(out.getvalue().encode(encoding, errors="surrogatepass"))
    config = load_config(BAD / "good.yaml")
    try:
        result = api.score(read_export(path), config)
        table = api.account_output(result)
    except B2bcxError:
        return
    assert table["index"].dropna().between(0, 100).all()
    assert table["nps"].dropna().between(-100, 100).all()
    assert (
        len(result.rows)
        == (result.rows["status"] == "scored").sum()
        + (result.rows["status"] == "excluded").sum()
    )


# -- config: random data, mutated acme.yaml, mutated YAML text ----------------------
ACME = yaml.safe_load((EXAMPLES / "acme.yaml").read_text(encoding="utf-8"))
KEYS = sorted(
    {
        *ACME,
        *ACME["columns"],
        *ACME["rollup"],
        "label",
        "items",
        "weights",
        "map",
        "from",
        "min",
        "max",
        "labels",
        "missing",
        "item",
        "scale",
        "column",
        "values",
        "Q1",
        "Columns",
        "Pillars",
    }
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=10),
    st.sampled_from(
        ["agree5", "nps11", "decision_maker", "integrity", "mean", "error"]
    ),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=10))
trees = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)
    ),
    max_leaves=30,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for position, value in enumerate(node):
            found += _paths(value, (*prefix, position))
    return found


ACME_PATHS = _paths(ACME)


@st.composite
def mutated_acme(draw: st.DrawFn) -> dict[str, Any]:
    """acme.yaml with keys dropped, renamed or given other values."""
    data = copy.deepcopy(ACME)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ACME_PATHS))
        parent: Any = data
        for part in path[:-1]:
            if not isinstance(parent, dict | list):
                break
            try:
                parent = parent[part]
            except (KeyError, IndexError):
                break
        last = path[-1]
        action = draw(st.sampled_from(["drop", "rename", "replace"]))
        if isinstance(parent, dict) and last in parent:
            if action == "drop":
                del parent[last]
            elif action == "rename":
                parent[draw(keys)] = parent.pop(last)
            else:
                parent[last] = draw(trees)
        elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            parent[last] = draw(trees)
    return data


def parse_or_refuse(data: Any) -> None:
    with contextlib.suppress(ConfigError):
        parse_config(data, source="fuzz.yaml")


def load_or_refuse(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(ConfigError):
        load_config(path)


@FUZZ
@given(data=st.one_of(trees, st.dictionaries(keys, trees, max_size=8)))
@example(data={"Pillars": {}})  # a capitalised unknown key (IndexError)
@example(data={"columns": {"account": "A"}, "flags": {"role_gap": 10**5000}})
def test_random_config_data_is_parsed_or_refused(data: Any) -> None:
    parse_or_refuse(data)


@FUZZ
@given(data=mutated_acme())
@example(data={("Columns" if k == "columns" else k): v for k, v in ACME.items()})
def test_mutated_acme_config_is_parsed_or_refused(folder: Path, data: Any) -> None:
    parse_or_refuse(data)
    load_or_refuse(folder / "mutated.yaml", yaml.safe_dump(data, allow_unicode=True))


ACME_TEXT = (EXAMPLES / "acme.yaml").read_text(encoding="utf-8")
VERSION = ACME_TEXT.index("version: 1")  # 10 characters
EXTENDS = ACME_TEXT.index("extends: six_pillars")  # 20 characters
YAML_TOKENS = [
    ": ",
    "- ",
    "\n  ",
    "&anchor ",
    "*anchor",
    "<<: ",
    "!!python/object:os.system ",
    "!!float ",
    "!!int ",
    "!!bool ",
    "!!timestamp ",
    "!!binary ",
    "!!set ",
    "~",
    ".nan",
    "1e999",
    "2026-01-01",
    "{",
    "[",
    "'",
    '"',
    "\t",
    "\x00",
    "\ufeff",
]
text_edit = st.tuples(
    st.integers(0, len(ACME_TEXT)),
    st.integers(0, 20),
    st.one_of(st.sampled_from(YAML_TOKENS), st.text(max_size=5)),
)


@FUZZ
@given(edits=st.lists(text_edit, min_size=1, max_size=5))
@example(edits=[(VERSION, 10, "version: !!float one")])
@example(edits=[(VERSION, 10, "version: !!timestamp yesterday")])
@example(edits=[(VERSION, 10, "version: !!bool maybe")])
@example(edits=[(VERSION, 10, "version: " + "9" * 5000)])
@example(edits=[(VERSION, 10, "version: " + "[" * 2000 + "]" * 2000)])
@example(edits=[(EXTENDS, 20, "extends: " + "six_pillars" * 30)])
def test_mutated_yaml_text_is_loaded_or_refused(
    folder: Path, edits: list[tuple[int, int, str]]
) -> None:
    text = ACME_TEXT
    for where, deleted, inserted in edits:
        at = min(where, len(text))
        text = text[:at] + inserted + text[at + deleted :]
    load_or_refuse(folder / "edited.yaml", text)
