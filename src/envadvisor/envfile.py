"""Read an environment.yml safely, keeping the line of every entry for the linter.

What conda accepts (conda/conda ``conda/env/env.py``, CEP 24; notes in
``shared/reference/conda-env.md`` section 1): a mapping with ``dependencies`` (required), ``name``,
``prefix``, ``channels``, ``variables``. A dependency is a MatchSpec string or a one-key mapping such as
``{pip: [...]}``; a second ``- pip:`` block replaces the first. Unknown top-level keys are dropped by
conda with a warning, so they are kept here for the linter instead of being an error.

A file that cannot be used at all (missing, not text, not YAML, not a mapping, a key of the wrong type,
too big, a YAML alias bomb) raises :class:`~envadvisor.errors.InputError` with one line that names the
file and the problem.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from envadvisor.errors import DataFileError, InputError
from envadvisor.fsutil import decode_user_text, read_user_text

# Real environment files are a few KiB; 1 MiB leaves room for generated exports with thousands of pins.
MAX_BYTES = 1024 * 1024
# YAML aliases are never needed in an environment file; a few are tolerated, an expansion that would
# build more nodes than this (the "billion laughs" shape) is refused before anything walks it.
MAX_ALIASES = 64
MAX_DEPTH = 64
MAX_EXPANDED_NODES = 100_000

CONDA_KEYS = ("name", "prefix", "channels", "dependencies", "variables")
# conda-lock's extensions, allowed by CEP 24 as optional extensions and ignored by conda itself.
CONDA_LOCK_KEYS = ("platforms", "category")


@dataclass(frozen=True, slots=True)
class Entry:
    """One string of the file (a dependency, a channel, a key) and the line it is on (1-based)."""

    text: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class PipBlock:
    line: int | None
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class EnvFile:
    path: str
    name: str | None = None
    name_line: int | None = None
    prefix: str | None = None
    channels: tuple[Entry, ...] = ()
    conda: tuple[Entry, ...] = ()  # the MatchSpec strings of `dependencies`
    pip_blocks: tuple[PipBlock, ...] = ()
    other_installers: tuple[Entry, ...] = ()  # `- uv: [...]` and other non-pip mapping items
    variables: Mapping[str, str] = field(default_factory=dict)
    unknown_keys: tuple[Entry, ...] = ()
    lock_keys: tuple[Entry, ...] = ()  # conda-lock's `platforms` / `category`
    duplicate_keys: tuple[Entry, ...] = ()  # a top-level key written twice: YAML keeps the last one

    @property
    def pip(self) -> tuple[Entry, ...]:
        """The pip lines conda will install: a second `- pip:` block replaces the first."""
        return self.pip_blocks[-1].entries if self.pip_blocks else ()


def read(path: str | os.PathLike[str]) -> EnvFile:
    """Read and parse an environment file; every failure is one-line :class:`InputError`."""
    text, name = read_user_text(path, limit=MAX_BYTES, what="an environment file")
    return parse(text, name)


def parse_bytes(data: bytes, path: str) -> EnvFile:
    return parse(decode_user_text(data, path, limit=MAX_BYTES, what="an environment file"), path)


def parse(text: str, path: str) -> EnvFile:
    """Parse environment.yml text. ``path`` names the file in messages."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError(f"{path}: too large for an environment file (limit {MAX_BYTES:,} bytes)")
    if not text.strip():
        raise InputError(f"{path}: is empty; an environment file needs a 'dependencies' list")
    root = _compose(text, path)
    try:
        from envadvisor.resources import load_yaml_text

        value = load_yaml_text(text, path=path)
    except DataFileError as exc:
        raise InputError(str(exc)) from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be an environment file") from None
    if not isinstance(value, Mapping):
        kind = "empty" if value is None else f"a {_yaml_kind(value)}"
        raise InputError(f"{path}: is {kind}, not a mapping with 'dependencies'")
    return _build(value, root, path)


# --------------------------------------------------------------------------------------------------
# YAML structure: lines and alias-bomb guard
# --------------------------------------------------------------------------------------------------


def _compose(text: str, path: str) -> Any:
    """The YAML node graph (safe: no constructors run); refuses alias bombs."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    aliases = 0
    try:
        for token in yaml.scan(text, Loader=loader_cls):
            if isinstance(token, yaml.AliasToken):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise InputError(
                        f"{path}: uses more than {MAX_ALIASES} YAML aliases; refusing to expand them"
                    )
        root = yaml.compose(text, Loader=loader_cls)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be an environment file") from None
    if root is not None and _deeper_than(root, MAX_DEPTH):
        # an environment file nests three or four levels; refusing here keeps every later recursive
        # step (constructing values, printing them in messages) away from the stack limit
        raise InputError(f"{path}: nested too deeply to be an environment file (over {MAX_DEPTH} levels)")
    if root is not None and _expanded_size(root) > MAX_EXPANDED_NODES:
        raise InputError(
            f"{path}: its YAML aliases expand to more than {MAX_EXPANDED_NODES} values; refusing to load it"
        )
    return root


def _deeper_than(root: Any, limit: int) -> bool:
    """Whether the node graph nests deeper than ``limit`` (iterative; aliases visited once)."""
    import yaml

    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend(((key, depth + 1), (value, depth + 1)))
    return False


def _expanded_size(root: Any) -> int:
    """How many nodes the document has once every alias is expanded (memoised, no recursion)."""
    import yaml

    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        children: list[Any] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                children.extend((k, v))
        if not children_done:
            if key in on_path:  # a recursive alias: infinite once expanded
                return MAX_EXPANDED_NODES + 1
            on_path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        on_path.discard(key)
        total = 1 + sum(sizes.get(id(child), 0) for child in children)
        sizes[key] = min(total, MAX_EXPANDED_NODES + 1)
    return sizes.get(id(root), 0)


def _line(node: Any) -> int | None:
    mark = getattr(node, "start_mark", None)
    return mark.line + 1 if mark is not None else None


def _mapping_nodes(root: Any) -> dict[str, tuple[Any, Any]]:
    """Top-level key -> (key node, value node); the last one wins, like the YAML loader."""
    import yaml

    out: dict[str, tuple[Any, Any]] = {}
    if isinstance(root, yaml.MappingNode):
        for key_node, value_node in root.value:
            if isinstance(key_node, yaml.ScalarNode):
                out[str(key_node.value)] = (key_node, value_node)
    return out


def _duplicate_keys(root: Any) -> tuple[Entry, ...]:
    import yaml

    seen: set[str] = set()
    dups: list[Entry] = []
    if isinstance(root, yaml.MappingNode):
        for key_node, _ in root.value:
            if isinstance(key_node, yaml.ScalarNode):
                name = str(key_node.value)
                if name in seen:
                    dups.append(Entry(name, _line(key_node)))
                seen.add(name)
    return tuple(dups)


def _item_lines(node: Any) -> list[int | None]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return [_line(item) for item in node.value]
    return []


# --------------------------------------------------------------------------------------------------
# Shape checks
# --------------------------------------------------------------------------------------------------


def _yaml_kind(value: object) -> str:
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, bool):
        return "true/false value"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _build(value: Mapping[Any, Any], root: Any, path: str) -> EnvFile:
    nodes = _mapping_nodes(root)

    def line_of(key: str) -> int | None:
        pair = nodes.get(key)
        return _line(pair[0]) if pair else None

    unknown: list[Entry] = []
    lock: list[Entry] = []
    for key in value:
        if not isinstance(key, str):
            raise InputError(f"{path}: top-level key {_brief(key)} is not a name")
        if key in CONDA_KEYS:
            continue
        (lock if key in CONDA_LOCK_KEYS else unknown).append(Entry(key, line_of(key)))

    if "dependencies" not in value:
        raise InputError(f"{path}: missing required field 'dependencies'")

    name = _optional_string(value, "name", path, line_of("name"))
    prefix = _optional_string(value, "prefix", path, line_of("prefix"))

    channels: list[Entry] = []
    raw_channels = value.get("channels")
    if raw_channels is not None:
        if not isinstance(raw_channels, list):
            raise InputError(
                f"{path}: line {line_of('channels')}: 'channels' must be a list, "
                f"not a {_yaml_kind(raw_channels)}"
            )
        lines = _item_lines(nodes["channels"][1]) if "channels" in nodes else []
        for i, item in enumerate(raw_channels):
            where = lines[i] if i < len(lines) else None
            if not isinstance(item, str) or not item.strip():
                raise InputError(f"{path}: line {where}: a channel must be a name or URL, not {_brief(item)}")
            channels.append(Entry(item.strip(), where))

    raw_deps = value["dependencies"]
    deps_line = line_of("dependencies")
    if raw_deps is None:
        raw_deps = []
    if not isinstance(raw_deps, list):
        raise InputError(
            f"{path}: line {deps_line}: 'dependencies' must be a list, not a {_yaml_kind(raw_deps)}"
        )
    dep_lines = _item_lines(nodes["dependencies"][1]) if "dependencies" in nodes else []
    dep_nodes = list(getattr(nodes["dependencies"][1], "value", [])) if "dependencies" in nodes else []
    conda: list[Entry] = []
    pip_blocks: list[PipBlock] = []
    others: list[Entry] = []
    for i, item in enumerate(raw_deps):
        where = dep_lines[i] if i < len(dep_lines) else None
        if isinstance(item, str):
            if not item.strip():
                raise InputError(f"{path}: line {where}: an empty dependency")
            conda.append(Entry(item.strip(), where))
        elif isinstance(item, Mapping):
            node = dep_nodes[i] if i < len(dep_nodes) else None
            inner = _mapping_nodes(node) if node is not None else {}
            for key, sub in item.items():
                key_text = str(key)
                if key_text != "pip":
                    others.append(Entry(key_text, where))
                    continue
                pip_blocks.append(_pip_block(sub, inner.get("pip"), where, path))
        else:
            raise InputError(
                f"{path}: line {where}: dependency {_brief(item)} is a {_yaml_kind(item)}; write it as a "
                'string (quote versions such as "python=3.12")'
            )

    variables: dict[str, str] = {}
    raw_vars = value.get("variables")
    if raw_vars is not None:
        if not isinstance(raw_vars, Mapping):
            raise InputError(
                f"{path}: line {line_of('variables')}: 'variables' must be a mapping of NAME: value, "
                f"not a {_yaml_kind(raw_vars)}"
            )
        for key, val in raw_vars.items():
            if not isinstance(key, str) or isinstance(val, (Mapping, list)) or val is None:
                raise InputError(
                    f"{path}: line {line_of('variables')}: variable {_brief(key)} must have a plain value"
                )
            variables[key] = _scalar_text(val)

    return EnvFile(
        path=path,
        name=name,
        name_line=line_of("name"),
        prefix=prefix,
        channels=tuple(channels),
        conda=tuple(conda),
        pip_blocks=tuple(pip_blocks),
        other_installers=tuple(others),
        variables=variables,
        unknown_keys=tuple(unknown),
        lock_keys=tuple(lock),
        duplicate_keys=_duplicate_keys(root),
    )


def _pip_block(sub: Any, pip_nodes: tuple[Any, Any] | None, where: int | None, path: str) -> PipBlock:
    if sub is None:
        return PipBlock(where, ())
    if not isinstance(sub, list):
        raise InputError(
            f"{path}: line {where}: 'pip' must be a list of requirements, not a {_yaml_kind(sub)}"
        )
    lines = _item_lines(pip_nodes[1]) if pip_nodes else []
    entries: list[Entry] = []
    for j, req in enumerate(sub):
        req_line = lines[j] if j < len(lines) else where
        if not isinstance(req, str) or not req.strip():
            raise InputError(
                f"{path}: line {req_line}: pip requirement {_brief(req)} must be a non-empty string"
            )
        entries.append(Entry(req.strip(), req_line))
    return PipBlock(where, tuple(entries))


def _optional_string(value: Mapping[Any, Any], key: str, path: str, line: int | None) -> str | None:
    raw = value.get(key)
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    raise InputError(f"{path}: line {line}: '{key}' must be a string, not a {_yaml_kind(raw)}")


def _scalar_text(val: object) -> str:
    if isinstance(val, bool):
        return "true" if val else "false"
    return str(val)


def _brief(value: Any) -> str:
    """A short repr for error messages: a deeply nested or huge value must not blow the stack or the line."""
    import reprlib

    brief = reprlib.Repr()
    brief.maxlevel, brief.maxstring, brief.maxother = 3, 60, 60
    return brief.repr(value)
