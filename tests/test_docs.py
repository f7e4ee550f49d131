"""Docs that cannot drift: every config key is in docs/config.md, every command and
every option of every command is in README.md or docs/."""

from __future__ import annotations

import re
from typing import Any, get_args, get_origin

import pytest
import typer.main
from pydantic import BaseModel
from tests.conftest import ROOT

from b2bcx.cli import app
from b2bcx.config.models import Config

CONFIG_DOC = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")
ALL_DOCS = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
)
INTERNAL = {"base_dir"}  # set by the loader, never written by a user


def _models(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = []
    for field in model.model_fields.values():
        for kind in (field.annotation, *get_args(field.annotation)):
            for inner in (kind, *get_args(kind)):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    found.append(inner)
            if get_origin(kind) is dict:
                continue
    return found


def config_keys(
    model: type[BaseModel] = Config, seen: set[Any] | None = None
) -> set[str]:
    """Every key a config can hold, at any depth."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    keys = {
        field.alias or name  # the key as written in YAML (`from:` for `sources`)
        for name, field in model.model_fields.items()
        if name not in INTERNAL
    }
    for inner in _models(model):
        keys |= config_keys(inner, seen)
    return keys


@pytest.mark.parametrize("key", sorted(config_keys()))
def test_every_config_key_is_in_the_config_doc(key: str) -> None:
    """As `key`, in a heading, or written in an example (``key:``)."""
    written = rf"`{re.escape(key)}[`:]|^#+ {re.escape(key)}$|^\s*{re.escape(key)}:"
    assert re.search(written, CONFIG_DOC, re.MULTILINE), f"docs/config.md: {key}"


def _commands() -> dict[str, Any]:
    group: Any = typer.main.get_command(app)
    return dict(group.commands)


@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_command_and_its_options_are_documented(name: str) -> None:
    command = _commands()[name]
    assert f"b2bcx {name}" in ALL_DOCS, f"README or docs/: b2bcx {name}"
    missing = [
        param.opts[0]
        for param in command.params
        if getattr(param, "param_type_name", "") == "option"
        and not any(re.search(rf"{re.escape(o)}\b", ALL_DOCS) for o in param.opts)
    ]
    assert not missing, f"{name}: undocumented options {missing}"
