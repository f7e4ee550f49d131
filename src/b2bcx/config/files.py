"""YAML config files: safe loading, ``extends:`` resolution and merging.

Generic over the config's content: it knows files and mappings, not the schema
(that is :mod:`b2bcx.config.models`).
"""

from __future__ import annotations

import difflib
import errno
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from b2bcx.errors import ConfigError


def shipped_config_dirs() -> list[Path]:
    """Where shipped frameworks (``extends: six_pillars``) are looked up."""
    package = Path(__file__).resolve().parents[1]  # b2bcx/
    return [package / "configs", package.parents[1] / "configs"]


def merged_mapping(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    data = read_yaml(path)
    parents = data.get("extends") or []
    parents = [parents] if isinstance(parents, str) else parents
    if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
        raise ConfigError(f"{path}: `extends` must be a name, a path or a list of them")
    merged: dict[str, Any] = {}
    for parent in parents:
        parent_path = _find_parent(str(parent), path.parent)
        if parent_path.resolve() in seen:
            raise ConfigError(f"{path}: `extends` loops back to {parent_path}")
        merged = deep_merge(
            merged, merged_mapping(parent_path, (*seen, parent_path.resolve()))
        )
    return deep_merge(merged, data)


YAML_SUFFIXES = (".yaml", ".yml")


def _find_parent(name: str, base: Path) -> Path:
    """The file ``extends: name`` names: a .yaml/.yml path, or a shipped framework.

    Only YAML files are read: ``extends: /etc/shadow`` is refused by its name,
    before its content could reach a message.
    """
    is_yaml = Path(name).suffix.lower() in YAML_SUFFIXES
    candidates = [base / name] if is_yaml else [base / f"{name}.yaml"]
    candidates += [d / f"{name}.yaml" for d in shipped_config_dirs()]
    for candidate in candidates:
        try:
            if candidate.is_file():
                return candidate
        except (OSError, ValueError):
            continue  # a name too long or otherwise impossible as a path
    if not is_yaml and Path(name).suffix:
        raise ConfigError(
            f"`extends: {_short(name)}` is not a YAML file: only .yaml and .yml "
            "files can be extended",
            hint="name a config file ending in .yaml, or a shipped framework",
        )
    shipped = sorted(
        {p.stem for d in shipped_config_dirs() if d.is_dir() for p in d.glob("*.yaml")}
    )
    raise ConfigError(
        f"`extends: {_short(name)}` names no file and no shipped framework",
        hint=_closest(name, shipped, f"shipped frameworks: {', '.join(shipped)}"),
    )


class _DuplicateKey(yaml.MarkedYAMLError):
    """A mapping names the same key twice."""


class _SetTag(yaml.MarkedYAMLError):
    """A ``!!set``: its order would depend on the hash seed."""


class StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing duplicate keys and ``!!set`` values.

    PyYAML keeps the last of two equal keys without a word, so a config whose
    ``weights:`` appears twice would silently lose the first; and a ``!!set``
    iterates in an order that changes from run to run.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue  # `<<: *base`: its keys may be overridden
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: the base class reports it
                if first is not None:
                    raise _DuplicateKey(
                        None,
                        None,
                        f"duplicate key {key!r} (first at line {first.line + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)

    def construct_set(self, node: Any) -> Any:
        raise _SetTag(
            None,
            None,
            "a !!set is not allowed (its order is not fixed); use a list",
            node.start_mark,
        )


StrictLoader.add_constructor("tag:yaml.org,2002:set", StrictLoader.construct_set)


def _check_regular(path: Path) -> None:
    """A config must be a regular file: a pipe or device would hang the read."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}", hint="check the path given to -c/--config"
        ) from None
    except (OSError, ValueError) as exc:
        reason = {
            errno.ELOOP: "a symbolic link that loops back on itself",
            errno.ENAMETOOLONG: "a file name too long for the file system",
        }.get(
            getattr(exc, "errno", None) or 0, getattr(exc, "strerror", None) or str(exc)
        )
        raise ConfigError(f"cannot read config {_short(str(path))}: {reason}") from None
    if stat.S_ISDIR(mode):
        raise ConfigError(f"config {path} is a directory, not a YAML file")
    if not stat.S_ISREG(mode):
        raise ConfigError(
            f"config {path} is not a regular file (it is a pipe, device or socket)",
            hint="name a config file saved on disk",
        )


def read_text(path: Path) -> str:
    """A config file's text (a regular file, UTF-8 with or without a BOM)."""
    _check_regular(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"config file not found: {path}", hint="check the path given to -c/--config"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None


def _yaml_hint(exc: yaml.YAMLError, reason: str) -> str:
    """What to do about a YAML error: only a tag is told about tags; a syntax
    error points at where its bracket, quote or block began."""
    if isinstance(exc, _DuplicateKey):
        return "name each key once"
    if isinstance(exc, _SetTag):
        return "write the values as a list: [a, b]"
    if isinstance(exc, yaml.constructor.ConstructorError) and "tag" in reason:
        return "YAML is loaded safely: Python object tags are not allowed"
    if "\\t" in reason or "\t" in reason:
        return "indent with spaces, not tabs"
    hint = "check the indentation, quotes and brackets"
    start = getattr(exc, "context_mark", None)
    context = getattr(exc, "context", None)
    if start is not None and context:
        hint += f" from line {start.line + 1} ({context})"
    return hint


KeyLines = dict[tuple[str, ...], int]
"""Key path (list positions as text) -> the 1-based line it is written on."""


def key_lines(text: str) -> KeyLines:
    """Where each key of a YAML text is written, to point a problem at its line.

    The text is only composed into nodes (no values are built), so this runs no
    tag's constructor. A text that does not compose gives no lines.

    Examples
    --------
    >>> text = chr(10).join(["roles:", "  weights: {user: x}"])
    >>> key_lines(text)[("roles", "weights", "user")]
    2
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: KeyLines = {}
    pending: list[tuple[tuple[str, ...], Any]] = [((), root)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    here = (*path, str(key.value))
                    lines.setdefault(here, key.start_mark.line + 1)
                    pending.append((here, value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                here = (*path, str(i))
                lines.setdefault(here, item.start_mark.line + 1)
                pending.append((here, item))
    return lines


def read_yaml(path: Path) -> dict[str, Any]:
    """Load a YAML mapping safely (no Python object tags)."""
    text = read_text(path)
    try:
        data = yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = _yaml_hint(exc, reason)
        raise ConfigError(
            f"{path}: not valid YAML{where}: {reason}", hint=hint
        ) from None
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as exc:
        # safe_load raises these for tags whose value cannot be built (`!!float one`)
        raise ConfigError(
            f"{path}: not valid YAML: a value cannot be read ({type(exc).__name__})",
            hint="check tagged values such as !!float, !!bool and !!timestamp",
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}: the config must be a YAML mapping of keys, not {type(data).__name__}"
        )
    return data


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: mappings merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if key == "extends":
            continue
        if value is None and key in merged and isinstance(base.get(key), Mapping):
            del merged[key]  # `pillar_id: null` removes an inherited entry
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _short(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _closest(name: str, valid: list[str], fallback: str) -> str:
    close = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    return f"did you mean `{close[0]}`?" if close else fallback


def published_priorities(
    path: Path | None = None,
) -> Mapping[str, Mapping[str, Sequence[str]]]:
    """Published role priorities (``configs/published_priorities.yaml``)."""
    candidates = (
        [path]
        if path
        else [d / "published_priorities.yaml" for d in shipped_config_dirs()]
    )
    for candidate in candidates:
        if candidate and candidate.is_file():
            data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
            return data.get("roles", {})
    return {}
