"""Parsing YAML and JSON text with the limits of ``renewfin.spec.limits``.

YAML events come from libyaml (or PyYAML's pure-Python parser without it); the document
is composed by PyYAML's Python composer, extended to count aliases, values (aliases
expanded) and nesting depth while the document is composed, so that an alias
bomb or a deeply nested file is refused before it grows; duplicate keys are refused with
both lines. JSON is pre-scanned for its depth and number of values before ``json.loads``
(whose C scanner would otherwise end in a ``RecursionError``), and duplicate keys are
refused. Every limit broken raises ``LimitError`` with a message that quotes no more than
a short excerpt of the input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable
from typing import Any

import numpy as np
import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from renewfin.spec.limits import MAX_ALIASES, MAX_DEPTH, MAX_NODES, excerpt, shorten


class LimitError(ValueError):
    """Input broke one of the parsing limits, or repeats a key."""


class _PyEvents(Reader, Scanner, Parser):
    """PyYAML's pure-Python event parser (used where libyaml is not installed)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


_Events: type = _PyEvents
"""libyaml's event parser (fast, iterative) where PyYAML has it, else the Python one."""
try:
    from yaml.cyaml import CParser  # type: ignore[attr-defined]
except ImportError:  # PyYAML built without libyaml
    pass
else:
    _Events = CParser


class _LimitedLoader(Composer, _Events, SafeConstructor, Resolver):
    """A safe loader whose Python composer counts aliases, expanded values and depth."""

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)  # type: ignore[misc]
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self._depth = 0
        self._aliases = 0
        self._expanded = 0
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Any = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise LimitError(
                    f"more than {MAX_ALIASES:,} aliases (line {line}); expected "
                    f"at most {MAX_ALIASES:,}"
                )
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise LimitError(
                    f"alias *{shorten(str(event.anchor), 40)} (line {line}) refers "
                    "to a value that contains it; expected a finite document"
                )
            self._count(self._sizes[id(node)], line)
            return node
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise LimitError(
                f"nested more than {MAX_DEPTH} levels deep (line {line}); "
                f"expected at most {MAX_DEPTH}"
            )
        before = self._expanded
        self._count(1, line)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        self._sizes[id(node)] = self._expanded - before
        return node

    def _count(self, n: int, line: int) -> None:
        self._expanded += n
        if self._expanded > MAX_NODES:
            raise LimitError(
                f"more than {MAX_NODES:,} values once aliases are expanded (line "
                f"{line}); expected at most {MAX_NODES:,}"
            )

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        if isinstance(node, MappingNode):
            self._no_duplicates(node)
        return super().construct_mapping(node, deep=deep)

    def _no_duplicates(self, node: MappingNode) -> None:
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node)
            if not isinstance(key, Hashable):
                continue
            line = key_node.start_mark.line + 1
            if key in first:
                raise LimitError(
                    f"duplicate key {excerpt(key)} on lines {first[key]} and "
                    f"{line}; expected each key once in a mapping"
                )
            first[key] = line


def load_yaml(text: str) -> Any:
    """Parse YAML text (safe tags only) within the limits.

    Raises
    ------
    LimitError
        On a duplicate key, too many aliases or values, or too deep nesting.
    yaml.YAMLError
        When the text is not valid YAML.
    """
    loader = _LimitedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def load_json(text: str | bytes) -> Any:
    """Parse JSON text within the limits (depth and values pre-scanned, duplicate keys
    refused).

    Raises
    ------
    LimitError
        On a duplicate key, too many values, or too deep nesting.
    json.JSONDecodeError
        When the text is not valid JSON.
    """
    _prescan_json(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return json.loads(text, object_pairs_hook=_unique_pairs)


_BLOCK = 1 << 20
"""Bytes scanned at a time by the JSON pre-scan (bounds its memory)."""


def _prescan_json(raw: bytes) -> None:
    """Depth and number of values of JSON text, outside strings, by array arithmetic on
    blocks of ``_BLOCK`` bytes."""
    bare = _JSON_STRING.sub(b'""', raw)
    depth, values = 0, 1
    for lo in range(0, len(bare), _BLOCK):
        block = np.frombuffer(bare, dtype=np.uint8, count=min(_BLOCK, len(bare) - lo), offset=lo)
        opens = (block == ord("[")) | (block == ord("{"))
        step = opens.astype(np.int32) - ((block == ord("]")) | (block == ord("}")))
        level = depth + np.cumsum(step, dtype=np.int32)
        if level.size and int(level.max()) > MAX_DEPTH:
            line = bare[: lo + int(np.argmax(level > MAX_DEPTH))].count(b"\n") + 1
            raise LimitError(
                f"nested more than {MAX_DEPTH} levels deep (line {line}); "
                f"expected at most {MAX_DEPTH}"
            )
        depth = int(level[-1]) if level.size else depth
        values += int(opens.sum()) + int(np.count_nonzero(block == ord(",")))
        if values > MAX_NODES:
            raise LimitError(f"more than {MAX_NODES:,} values; expected at most {MAX_NODES:,}")


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise LimitError(f"duplicate key {excerpt(key)}; expected each key once in an object")
        out[key] = value
    return out
