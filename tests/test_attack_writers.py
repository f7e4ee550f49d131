"""Regressions of the second attack round on writers and decks (issue 21).

Every input is built here; each test names the defect it holds closed: devices
and pipes as outputs (1), a deck over its inputs (2), damaged, unbounded and
macro-enabled templates (7, 8, 20), deck folders (9), partial sets (10), deck
names (11, 18), reproducible decks and SOURCE_DATE_EPOCH (15, 16), stale
temporaries (17) and plain text in the chart's embedded sheet (19).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from b2bcx.cli import app

pptx = pytest.importorskip("pptx")

from b2bcx.deck import writer as deck_writer  # noqa: E402
from b2bcx.deck.plan import NO_MANAGER_STEM, capped_stem, manager_stems  # noqa: E402
from b2bcx.errors import OutputError  # noqa: E402

BAD = Path(__file__).resolve().parent / "data" / "bad"
MAIN = "import sys; from b2bcx.cli import main; sys.argv[0] = 'b2bcx'; main()"
runner = CliRunner()


def run(*args: Any, env: dict[str, str] | None = None) -> Any:
    result = runner.invoke(
        app, [str(a) for a in args], env={"COLUMNS": "400", **(env or {})}
    )
    assert "Traceback" not in result.output, result.output
    assert "internal error" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception),
        result.output,
    )
    return result


def write_inputs(
    folder: Path,
    managers: dict[str, str] | None = None,
    label: str = "Integrity",
    wave: str | None = None,
) -> tuple[Path, Path]:
    """good.csv with a Manager (and optionally a Wave) column, and its config."""
    managers = managers or {"ACC-1": "Ann Lee", "ACC-2": "Bo Chen", "ACC-3": "Ann Lee"}
    lines = (BAD / "good.csv").read_text("utf-8").splitlines()
    out = io.StringIO()
    import csv

    reader = csv.reader(lines)
    writer = csv.writer(out, lineterminator="\n")
    header = next(reader)
    writer.writerow([*header, "Manager", *(["Wave"] if wave else [])])
    for row in reader:
        extra = [managers.get(row[1], "")] + ([wave] if wave else [])
        writer.writerow([*row, *extra])
    export = folder / "export.csv"
    export.write_text(out.getvalue(), "utf-8")
    config = yaml.safe_load((BAD / "good.yaml").read_text("utf-8"))
    config["columns"]["segments"] = ["Region", "Manager"]
    if wave:
        config["columns"]["wave"] = "Wave"
    config["pillars"]["integrity"]["label"] = label
    path = folder / "program.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return export, path


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    return write_inputs(tmp_path)


def deck_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def slide_ids(path: Path) -> set[str]:
    return {s.name for s in list(pptx.Presentation(str(path)).slides)[2:]}


# -- 1. a device, a pipe or /dev/stdout as output: written into, never replaced --------


@contextlib.contextmanager
def fifo_reader(path: Path) -> Iterator[bytearray]:
    """A named pipe at ``path`` with a reader draining it; yields what it read
    (complete once the block ends)."""
    os.mkfifo(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    chunks: list[bytes] = []
    done = threading.Event()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                chunk = b""
            if chunk:
                chunks.append(chunk)
            elif done.is_set():
                return
            else:
                done.wait(0.01)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    received = bytearray()
    try:
        yield received
    finally:
        done.set()
        thread.join(60)
        os.close(fd)
        received.extend(b"".join(chunks))


WRITERS = {
    "score": (["score", "{export}", "-c", "{config}", "-o"], "out", b"account,"),
    "score-json": (
        ["score", "{export}", "-c", "{config}", "--format", "json", "-o"],
        "out",
        b"[",
    ),
    "report": (["report", "{export}", "-c", "{config}", "-o"], "out.xlsx", b"PK"),
    "deck": (["deck", "{export}", "-c", "{config}", "-o"], "out.pptx", b"PK"),
    "init": (["init", "{export}", "-o"], "out.yaml", b"# b2bcx"),
    "drivers": (
        ["drivers", "{export}", "-c", "{config}", "--plot"],
        "out.png",
        b"\x89PNG",
    ),
}


def writer_args(name: str, inputs: tuple[Path, Path], target: Path) -> list[str]:
    args, _, _ = WRITERS[name]
    export, config = inputs
    return [a.format(export=export, config=config) for a in args] + [str(target)]


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_named_pipe_as_output_gets_the_output_and_stays_a_pipe(
    name: str, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    target = tmp_path / WRITERS[name][1]
    with fifo_reader(target) as received:
        result = run(*writer_args(name, inputs, target))
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert bytes(received).startswith(WRITERS[name][2])
    if name == "score-json":
        assert {row["account"] for row in json.loads(bytes(received))} == {
            "ACC-1",
            "ACC-2",
            "ACC-3",
        }
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", list(WRITERS))
def test_a_character_device_as_output_is_written_into_not_replaced(
    name: str, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """A copy of /dev/null (as root, ``drivers --plot /dev/null`` replaced it)."""
    target = tmp_path / WRITERS[name][1]
    try:
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        with open(target, "wb") as handle:  # a nodev mount refuses devices
            handle.write(b"")
    except OSError:
        pytest.skip("cannot make a device node here (not root, or a nodev mount)")
    before = os.lstat(target)
    result = run(*writer_args(name, inputs, target))
    assert result.exit_code == 0, result.output
    after = os.lstat(target)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


def test_dev_stdout_is_written_into_a_pipe_or_a_redirected_file(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    export, config = inputs
    command = [sys.executable, "-c", MAIN, "--quiet", "score", str(export)]
    command += ["-c", str(config), "-o", "/dev/stdout"]
    piped = subprocess.run(command, capture_output=True, timeout=120, check=False)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.startswith(b"account,") and b"ACC-2" in piped.stdout
    link = os.lstat("/dev/stdout")
    captured = tmp_path / "captured.csv"
    with open(captured, "wb") as handle:
        redirected = subprocess.run(
            command, stdout=handle, stderr=subprocess.PIPE, timeout=120, check=False
        )
    assert redirected.returncode == 0, redirected.stderr
    assert captured.read_bytes() == piped.stdout
    assert os.lstat("/dev/stdout") == link  # the link itself was not replaced


def test_a_socket_as_output_is_a_usage_error_and_stays(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    target = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(target))
    except OSError:
        pytest.skip("cannot bind a unix socket here")
    try:
        result = run("score", *inputs[:1], "-c", inputs[1], "-o", target)
        assert result.exit_code == 2
        assert "socket" in result.stderr
        assert stat.S_ISSOCK(os.lstat(target).st_mode)
    finally:
        server.close()


def test_a_table_written_into_a_pipe_without_extension_is_safe_csv(
    tmp_path: Path,
) -> None:
    import pandas as pd

    from b2bcx.io.writers import write_table

    with fifo_reader(tmp_path / "pipe") as received:
        write_table(pd.DataFrame({"account": ["=1+1"]}), tmp_path / "pipe")
    assert bytes(received) == b"account\n'=1+1\n"


# -- 2. a deck never replaces an input ----------------------------------------------------


def company_template(path: Path) -> Path:
    prs = pptx.Presentation()
    prs.slides.add_slide(prs.slide_layouts[0]).shapes.title.text = "Company"
    prs.save(str(path))
    return path


def test_deck_output_naming_the_template_is_a_usage_error(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    template = company_template(tmp_path / "company.pptx")
    before = template.read_bytes()
    export, config = inputs
    result = run("deck", export, "-c", config, "--template", template, "-o", template)
    assert result.exit_code == 2 and "names an input" in result.stderr
    assert template.read_bytes() == before


def test_a_template_under_a_managers_deck_name_is_never_replaced(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    template = company_template(folder / "ann-lee.pptx")
    before = template.read_bytes()
    export, config = inputs
    result = run(
        "deck",
        export,
        "-c",
        config,
        "--manager-column",
        "Manager",
        "--template",
        template,
        "-o",
        folder,
    )
    assert result.exit_code == 2 and "names an input" in result.stderr
    assert template.read_bytes() == before
    assert deck_names(folder) == ["ann-lee.pptx"]  # nothing else written either


def test_deck_output_naming_an_export_is_a_usage_error(tmp_path: Path) -> None:
    export, config = write_inputs(tmp_path)
    disguised = export.rename(tmp_path / "export.pptx")
    before = disguised.read_bytes()
    result = run("deck", disguised, "-c", config, "-o", disguised)
    assert result.exit_code == 2 and disguised.read_bytes() == before


# -- 7, 8, 20. templates: damaged, unbounded, macro-enabled -----------------------------


def rewritten(source: Path, target: Path, change: Any) -> Path:
    """A copy of a .pptx with each member passed through ``change(name, data)``
    (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def no_layouts(name: str, data: bytes) -> bytes | None:
    if name.startswith("ppt/slideLayouts/"):
        return None
    if name == "ppt/slideMasters/slideMaster1.xml":
        return re.sub(rb"<p:sldLayoutIdLst>.*</p:sldLayoutIdLst>", b"", data)
    if name == "ppt/slideMasters/_rels/slideMaster1.xml.rels":
        return re.sub(rb"<Relationship [^>]*slideLayout[^>]*/>", b"", data)
    return data


DAMAGES = {
    "broken layout XML": lambda n, d: d[:100] if n.endswith("slideLayout2.xml") else d,
    "broken presentation XML": lambda n, d: (
        b"<p:presentation" if n == "ppt/presentation.xml" else d
    ),
    "no slide layouts": no_layouts,
    "template content type": lambda n, d: (
        d.replace(
            b"presentationml.presentation.main+xml",
            b"presentationml.template.main+xml",
        )
        if n == "[Content_Types].xml"
        else d
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_template_is_a_data_error_with_a_hint(
    damage: str, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    good = company_template(tmp_path / "good.pptx")
    template = rewritten(good, tmp_path / "company.pptx", DAMAGES[damage])
    export, config = inputs
    target = tmp_path / "deck.pptx"
    result = run("deck", export, "-c", config, "--template", template, "-o", target)
    assert result.exit_code == 1, result.output
    assert "company.pptx" in result.stderr and "hint:" in result.stderr
    assert not target.exists()


def test_a_named_pipe_as_template_is_refused_without_hanging(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    template = tmp_path / "company.pptx"
    os.mkfifo(template)
    export, config = inputs
    command = [sys.executable, "-c", MAIN, "deck", str(export), "-c", str(config)]
    command += ["--template", str(template), "-o", str(tmp_path / "d.pptx")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "not a regular file" in done.stderr


def test_a_link_to_dev_zero_as_template_is_refused(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    template = tmp_path / "company.pptx"
    template.symlink_to("/dev/zero")
    export, config = inputs
    result = run(
        "deck", export, "-c", config, "--template", template, "-o", tmp_path / "d.pptx"
    )
    assert result.exit_code == 2 and "not a regular file" in result.stderr


def test_a_template_beyond_the_size_limit_is_refused_before_reading(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    template = tmp_path / "company.pptx"
    with open(template, "wb") as handle:  # sparse: no disk used
        handle.truncate(deck_writer.MAX_TEMPLATE_BYTES + 1)
    export, config = inputs
    result = run(
        "deck", export, "-c", config, "--template", template, "-o", tmp_path / "d.pptx"
    )
    assert result.exit_code == 1 and "MAX_TEMPLATE_BYTES" in result.stderr


def test_a_zip_bomb_template_is_refused_before_it_is_expanded(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    """A member whose directory entry says 4 GiB: refused from the zip directory."""
    good = company_template(tmp_path / "good.pptx")
    template = rewritten(
        good,
        tmp_path / "company.pptx",
        lambda n, d: d,
    )
    with zipfile.ZipFile(template, "a") as archive:
        archive.writestr("ppt/media/bomb.bin", b"\0" * 1024)
    content = bytearray(template.read_bytes())
    entry = content.rindex(b"PK\x01\x02")  # the last central directory entry
    content[entry + 24 : entry + 28] = (0xFFFFFFF0).to_bytes(4, "little")
    template.write_bytes(bytes(content))
    assert zipfile.ZipFile(template).infolist()[-1].file_size == 0xFFFFFFF0
    export, config = inputs
    result = run(
        "deck", export, "-c", config, "--template", template, "-o", tmp_path / "d.pptx"
    )
    assert result.exit_code == 1 and "MAX_EXPANDED_BYTES" in result.stderr


VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
MACRO_MAIN = b"application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
PLAIN_MAIN = b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def macro_template(good: Path, target: Path) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(PLAIN_MAIN, MACRO_MAIN).replace(
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/'
                b'vnd.ms-office.vbaProject"/></Types>',
            )
        if name == "ppt/_rels/presentation.xml.rels":
            data = data.replace(
                b"</Relationships>",
                f'<Relationship Id="rId99" Type="{VBA}" Target="vbaProject.bin"/>'
                "</Relationships>".encode(),
            )
        return data

    rewritten(good, target, change)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr("ppt/vbaProject.bin", b"macro code")
    return target


def test_a_macro_enabled_template_gives_a_plain_presentation(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    good = company_template(tmp_path / "good.pptx")
    template = macro_template(good, tmp_path / "company.pptx")
    assert MACRO_MAIN in zipfile.ZipFile(template).read("[Content_Types].xml")
    export, config = inputs
    target = tmp_path / "deck.pptx"
    result = run("deck", export, "-c", config, "--template", template, "-o", target)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as deck:
        types = deck.read("[Content_Types].xml")
        rels = deck.read("ppt/_rels/presentation.xml.rels")
        names = deck.namelist()
    assert PLAIN_MAIN in types and MACRO_MAIN not in types
    assert VBA.encode() not in rels and "ppt/vbaProject.bin" not in names
    assert len(pptx.Presentation(str(target)).slides) == 5


# -- 9. -o a file where a folder is expected, or a folder that cannot be made ----------


def test_by_manager_into_an_existing_file_is_a_usage_error(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    target = tmp_path / "decks"
    target.write_text("not a folder")
    export, config = inputs
    result = run(
        "deck", export, "-c", config, "--manager-column", "Manager", "-o", target
    )
    assert result.exit_code == 2 and "not a folder" in result.stderr
    assert target.read_text() == "not a folder"


def test_a_folder_that_cannot_be_made_is_an_output_error(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new folder inside a read-only one (simulated: root may write anywhere)."""

    def refused(self: Path, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    export, config = inputs
    result = run(
        "deck",
        export,
        "-c",
        config,
        "--manager-column",
        "Manager",
        "-o",
        tmp_path / "decks",
    )
    assert result.exit_code == 1 and "Permission denied" in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_a_new_folder_inside_a_read_only_folder_is_an_output_error(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    export, config = inputs
    try:
        result = run("deck", export, "-c", config, "-o", locked / "decks")
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 1 and "not writable" in result.stderr


# -- 10. --by manager writes the whole set or nothing ------------------------------------


def by_manager(inputs: tuple[Path, Path], folder: Path) -> Any:
    export, config = inputs
    return run(
        "deck", export, "-c", config, "--manager-column", "Manager", "-o", folder
    )


def test_a_later_deck_that_cannot_be_written_replaces_no_earlier_deck(
    inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    old = {
        name: f"last quarter {name}".encode()
        for name in ("ann-lee.pptx", "bo-chen.pptx")
    }
    for name, content in old.items():
        (folder / name).write_bytes(content)
    writes: list[Path] = []
    real = deck_writer.write_bytes

    def full_on_second(path: Path, content: bytes) -> None:
        writes.append(path)
        if len(writes) == 2:
            raise OSError(28, "No space left on device")
        real(path, content)

    monkeypatch.setattr(deck_writer, "write_bytes", full_on_second)
    result = by_manager(inputs, folder)
    assert result.exit_code == 1 and "No space left" in result.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == old


def test_a_read_only_later_deck_stops_the_run_before_anything_is_written(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "ann-lee.pptx").write_bytes(b"last quarter ann")
    (folder / "bo-chen.pptx").write_bytes(b"last quarter bo")
    (folder / "bo-chen.pptx").chmod(0o444)
    result = by_manager(inputs, folder)
    assert result.exit_code == 1 and "read-only" in result.stderr
    assert (folder / "ann-lee.pptx").read_bytes() == b"last quarter ann"
    assert deck_names(folder) == ["ann-lee.pptx", "bo-chen.pptx"]


# -- 11, 18. one deck per manager, unique names within NAME_MAX ------------------------


def test_managers_sharing_sixty_characters_get_a_deck_each(tmp_path: Path) -> None:
    same = "Alexandra Konstantinopoulou-Vanderbilt of the Northern Region"
    managers = {"ACC-1": same + " East", "ACC-2": same + " West", "ACC-3": ""}
    assert same[:60] == (same + " East")[:60]
    inputs = write_inputs(tmp_path, managers)
    folder = tmp_path / "decks"
    assert by_manager(inputs, folder).exit_code == 0
    decks = deck_names(folder)
    assert len(decks) == 3 and f"{NO_MANAGER_STEM}.pptx" in decks
    found = {frozenset(slide_ids(folder / d)) for d in decks}
    assert found == {frozenset({"ACC-1"}), frozenset({"ACC-2"}), frozenset({"ACC-3"})}


def test_a_manager_named_no_manager_is_not_merged_with_the_unassigned(
    tmp_path: Path,
) -> None:
    managers = {"ACC-1": "No manager", "ACC-2": "", "ACC-3": "no manager"}
    inputs = write_inputs(tmp_path, managers)
    folder = tmp_path / "decks"
    assert by_manager(inputs, folder).exit_code == 0
    decks = deck_names(folder)
    assert len(decks) == 3
    assert slide_ids(folder / f"{NO_MANAGER_STEM}.pptx") == {"ACC-2"}
    others = sorted(
        slide_ids(folder / d).pop() for d in decks if d != "no-manager.pptx"
    )
    assert others == ["ACC-1", "ACC-3"]


def test_manager_stems_are_unique_stable_and_short() -> None:
    long_one = "X" * 300
    names = [
        "Ann Lee",
        "ann lee",
        "No manager",
        long_one,
        "Zoë",
        "Zoé",
        "ann-lee-0badcafe",
    ]
    stems = manager_stems(names)
    assert len(set(stems.values())) == len(names)
    assert NO_MANAGER_STEM not in stems.values()
    assert all(len(s.encode()) <= 69 for s in stems.values())
    assert manager_stems(list(reversed(names))) == stems  # not order-dependent
    assert manager_stems(["Claire Dubois"]) == {"Claire Dubois": "claire-dubois"}
    assert len(capped_stem("account_review_" + "é" * 200, "é" * 200).encode()) <= 120


def test_a_long_wave_gives_a_deck_name_within_name_max(tmp_path: Path) -> None:
    wave = "Wave " + "Ü" * 150  # 300 bytes of UTF-8 in the file name before
    export, config = write_inputs(tmp_path, wave=wave)
    folder = tmp_path / "out"
    folder.mkdir()
    result = run("deck", export, "-c", config, "-o", folder)
    assert result.exit_code == 0, result.output
    (deck,) = folder.iterdir()
    assert len(os.fsencode(deck.name)) <= 255 and deck.name.startswith(
        "account_review_"
    )


@pytest.mark.parametrize("command", ["score", "deck"])
def test_an_output_name_of_255_bytes_is_written(
    command: str, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    suffix = ".csv" if command == "score" else ".pptx"
    target = tmp_path / ("a" * (255 - len(suffix)) + suffix)
    export, config = inputs
    result = run(command, export, "-c", config, "-o", target)
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- 15, 16. reproducible decks, SOURCE_DATE_EPOCH --------------------------------------


def test_decks_are_byte_identical_between_runs(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert by_manager(inputs, first).exit_code == 0
    assert by_manager(inputs, second).exit_code == 0
    assert deck_names(first) == deck_names(second) == ["ann-lee.pptx", "bo-chen.pptx"]
    for name in deck_names(first):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_source_date_epoch_is_the_time_a_deck_records(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    from datetime import datetime

    export, config = inputs
    decks = []
    for epoch in ("1767225600", "1767225600", "1767312000"):
        target = tmp_path / f"{len(decks)}.pptx"
        result = run(
            "deck", export, "-c", config, "-o", target, env={"SOURCE_DATE_EPOCH": epoch}
        )
        assert result.exit_code == 0, result.output
        decks.append(target.read_bytes())
    assert decks[0] == decks[1] and decks[0] != decks[2]
    deck = pptx.Presentation(io.BytesIO(decks[0]))
    assert deck.core_properties.created == datetime(2026, 1, 1)
    assert deck.core_properties.modified == datetime(2026, 1, 1)
    with zipfile.ZipFile(io.BytesIO(decks[0])) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("command", ["deck", "report"])
def test_source_date_epoch_after_2107_is_clamped_in_the_zip(
    command: str, inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    export, config = inputs
    target = tmp_path / ("out.pptx" if command == "deck" else "out.xlsx")
    result = run(
        command,
        export,
        "-c",
        config,
        "-o",
        target,
        env={"SOURCE_DATE_EPOCH": "7258118400"},  # 2200-01-01
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        assert {i.date_time[0] for i in archive.infolist()} == {2107}
        assert b"2200-01-01T00:00:00Z" in archive.read("docProps/core.xml")


# -- 17. stale deck temporaries --------------------------------------------------------


def test_a_stale_deck_temporary_is_removed_and_a_fresh_one_kept(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    stale = folder / ".ann-lee.pptx.k3j2h1g0.tmp"
    fresh = folder / ".bo-chen.pptx.a1b2c3d4.tmp"
    for path in (stale, fresh):
        path.write_bytes(b"PK half a deck")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(stale, (two_days_ago, two_days_ago))
    assert by_manager(inputs, folder).exit_code == 0
    assert not stale.exists() and fresh.exists()  # another run may be writing it


# SIGTERM starts at its default action, as under cron or systemd: a parent that
# ignores it (some CI runners do) would pass SIG_IGN on to the run.
STALL_AT_FSYNC = """
import os, pathlib, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_DFL)
marker = pathlib.Path(sys.argv.pop(1))
def stall(fd):
    marker.write_text("a deck is written to its temporary file")
    time.sleep(120)
os.fsync = stall
from b2bcx.cli import main
sys.argv[0] = "b2bcx"
main()
"""


def test_a_deck_run_stopped_by_sigterm_removes_its_temporaries(
    inputs: tuple[Path, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    folder.mkdir()
    (folder / "ann-lee.pptx").write_bytes(b"last quarter")
    marker = tmp_path / "writing"
    export, config = inputs
    command = [sys.executable, "-c", STALL_AT_FSYNC, str(marker), "--quiet", "deck"]
    command += [str(export), "-c", str(config), "--manager-column", "Manager"]
    command += ["-o", str(folder)]
    process = subprocess.Popen(command, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists() and process.poll() is None:
        assert time.monotonic() < deadline, "the run never reached its write"
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert deck_names(folder) == ["ann-lee.pptx"]
    assert (folder / "ann-lee.pptx").read_bytes() == b"last quarter"


# -- 19. the chart's embedded sheet holds labels as plain text --------------------------


@pytest.mark.parametrize(
    "label", ["{=1+1}", "http://example.com/x", "=1+1", "mailto:a@b.c", "1e5"]
)
def test_pillar_labels_stay_plain_text_in_the_charts_sheet(
    label: str, tmp_path: Path
) -> None:
    import openpyxl

    export, config = write_inputs(tmp_path, label=label)
    target = tmp_path / "deck.pptx"
    result = run("deck", export, "-c", config, "-o", target)
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(target) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("ppt/embeddings/")]
        assert sheets
        for name in sheets:
            book = openpyxl.load_workbook(io.BytesIO(archive.read(name)))
            sheet = book.worksheets[0]
            labels = [c.value for c in sheet["A"][1:]]
            assert any(label in str(v) for v in labels), labels
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                    assert cell.hyperlink is None, (name, cell.coordinate)
            assert all(isinstance(v, str) for v in labels)


# -- the atomic writer in one place --------------------------------------------------


def test_a_failed_move_is_reported_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from b2bcx.io import atomic

    target = tmp_path / "out.csv"
    target.write_text("old")

    def refused(source: Any, destination: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", refused)
    with (
        pytest.raises(OutputError, match="No space left"),
        atomic.atomic_path(target) as temporary,
    ):
        temporary.write_text("new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_a_failed_move_of_a_later_file_puts_the_earlier_ones_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All or none also when the move itself fails (a full directory, say)."""
    from b2bcx.io import atomic

    old, new, last = tmp_path / "a.pptx", tmp_path / "n.pptx", tmp_path / "z.pptx"
    old.write_bytes(b"last quarter a")
    last.write_bytes(b"last quarter z")
    real = os.replace

    def refused_for_the_last(source: Any, destination: Any) -> None:
        if Path(destination) == last and Path(source).name.endswith(".tmp"):
            raise OSError(28, "No space left on device")
        real(source, destination)

    monkeypatch.setattr(atomic.os, "replace", refused_for_the_last)
    with (
        pytest.raises(OutputError, match=r"z\.pptx: No space left"),
        atomic.atomic_paths([old, new, last]) as temporaries,
    ):
        for temporary in temporaries:
            temporary.write_bytes(b"this quarter")
    assert old.read_bytes() == b"last quarter a"
    assert last.read_bytes() == b"last quarter z"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pptx", "z.pptx"]


def test_a_reader_that_stops_early_is_told_plainly(tmp_path: Path) -> None:
    """`-o /dev/stdout | head -1`: the reader closes the pipe; the message says so,
    not "check free space" (a broken pipe is not a full disk)."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    command = (  # ~250 kB of JSON: far more than a pipe holds once head has gone
        f"{sys.executable} -c {MAIN!r} -q score {examples / 'acme_2026q3.csv'} "
        f"-c {examples / 'acme.yaml'} --format json -o /dev/stdout | head -c 10"
    )
    done = subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "stopped before its end" in done.stderr
    assert "free space" not in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.startswith("[")
