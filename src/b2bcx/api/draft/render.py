"""Rendering a drafted config as commented YAML (``b2bcx init``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

COMMENTS = {
    "extends": ["Start from the shipped Six Pillars framework (pillar labels, lifecycle",
                "phases); the keys below override or add to it."],
    "columns": ["Which export column holds what, recognised by name and content. Only",
                "`account` (and `role`) are required."],
    "scales": ["Answer scales found in the export (shipped presets: agree5, agree7, sat5,",
               "nps11). Labels match trimmed and case-insensitive; Don't know, N/A and",
               "the `missing` answers count as missing, never as zero."],
    "default_scale": ["The scale most statements are answered on; items on another scale",
                      "name it under `items:`."],
    "pillars": ["Statements (columns) per pillar, placed by their question text where",
                "the wording makes the pillar plain."],
    "items": ["Per-item settings: `scale:` when not on the default scale, `reverse: true`",
              "for negatively worded statements (agreeing is bad), `weight:`."],
    "roles": ["The decision-making unit: role weights (the enterprise model) and every",
              "role answer in the export mapped to a role (trimmed, case-insensitive)."],
    "outcomes": ["Single-question outcomes for `score` and `drivers`: NPS (0..10), loyalty."],
}  # fmt: skip


def render(data: dict[str, Any], comments: Mapping[str, list[str]], source: str) -> str:
    """The draft as commented YAML: a header, then each section with its comments."""
    header = [f"b2bcx program config: a DRAFT written by `b2bcx init` from {source}.",
              "Review every section (search for TODO), then check it on the export:",
              f"  b2bcx validate {source} -c THIS_FILE"]  # fmt: skip
    blocks = [_comment_lines(header) + _dump("version", data["version"])]
    for key, section in COMMENTS.items():
        tail = "".join(f"{line}\n" for line in comments.get(f"{key}+", []))
        if key in data or tail or key == "items":
            text = _comment_lines(section + comments.get(key, []))
            blocks.append(
                text + (_body(key, data[key], comments) if key in data else "") + tail
            )
    return "\n".join(blocks)


def _comment_lines(lines: list[str], indent: str = "") -> str:
    return "".join(f"{indent}# {line}".rstrip() + "\n" for line in lines)


def _body(key: str, value: Any, comments: Mapping[str, list[str]]) -> str:
    """A section as YAML, with comment lines before the keys that have some."""
    if not isinstance(value, dict):
        return _dump(key, value)
    parts = [f"{key}:\n"]
    for sub, sub_value in value.items():
        parts.append(_comment_lines(comments.get(f"{key}.{sub}", []), "  "))
        parts += [f"  {line}\n" for line in _dump(sub, sub_value).splitlines()]
    return "".join(parts)


def _dump(key: str, value: Any) -> str:
    flow = None if isinstance(value, dict | list) else False
    return yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True,
                          default_flow_style=flow, width=88)  # fmt: skip


def flow(value: Any) -> str:
    """A value as one line of flow-style YAML."""
    return yaml.safe_dump(
        value, default_flow_style=True, sort_keys=False, width=999
    ).strip()
