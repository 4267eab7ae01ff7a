"""Reading the YAML document of an instance: safe loader, size limits, duplicate keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import InstanceError, Problem
from .coerce import type_name
from .limits import MAX_ALIAS_NODES, MAX_DEPTH, regular_file_problem, show, yaml_size_problem

# ---- the YAML document ---------------------------------------------------------
class _Duplicates:
    """A safe YAML loader that notes duplicate keys instead of silently keeping the last."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.duplicates: list[tuple[int, Any]] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                self.duplicates.append((key_node.start_mark.line + 1, key))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Loader(_Duplicates, yaml.SafeLoader):
    """PyYAML's own parser: the messages of a broken document come from it."""


# libyaml's parser, about 7x faster, when PyYAML was built with it; a document it
# refuses is parsed again by `_Loader`, so that every message is the same either way
_FastLoader = type("_FastLoader", (_Duplicates, yaml.CSafeLoader), {}) if yaml.__with_libyaml__ else _Loader


def _parse(loader_class: type, text: str, where: str) -> tuple[Any, list[tuple[int, Any]]]:
    """The document and its duplicate keys, parsed with `loader_class`."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is not None and (too_big := node_problem(node)):  # aliases, depth: optim/inputs/limits.py
            raise InstanceError([Problem(where, f"not accepted: {too_big}")])
        return (loader.construct_document(node) if node is not None else None), loader.duplicates
    finally:
        loader.dispose()



def read_yaml(path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The YAML document at `path` and its duplicate keys (as problems).

    Any other problem stops the reading: it raises `InstanceError`.
    """
    where = str(path)
    try:
        if path.is_dir():
            raise InstanceError([Problem(where, "is a directory, not an instance file")])
        if bad := regular_file_problem(path):
            raise InstanceError([Problem(where, bad)])
        if too_big := yaml_size_problem(path.stat().st_size):  # limits: optim/limits.py
            raise InstanceError([Problem(where, too_big)])
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InstanceError([Problem(where, f"cannot read the file: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise InstanceError([Problem(where, f"not UTF-8 text (bad byte at offset {exc.start})")]) from None
    try:
        try:
            doc, duplicates = _parse(_FastLoader, text, where)
        except (yaml.YAMLError, RecursionError):
            doc, duplicates = _parse(_Loader, text, where)  # the message of PyYAML's own parser
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"{where} line {mark.line + 1}" if mark else where
        what = exc.problem or exc.context or "syntax error"
        raise InstanceError([Problem(at, f"not valid YAML: {what}")]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text.count("\n", 0, exc.position) + 1
        raise InstanceError([Problem(f"{where} line {line}",
                                     f"not valid YAML: character #x{exc.character:04x} is not allowed")]) from None
    except yaml.YAMLError as exc:
        raise InstanceError([Problem(where, f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise InstanceError([Problem(where, "not valid YAML: nested too deeply")]) from None
    except InstanceError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # a tag or a number PyYAML cannot build
        raise InstanceError([Problem(where, f"not valid YAML: a value cannot be read ({_reason(exc)})")]) from None
    if doc is None:
        raise InstanceError([Problem(where, "the file is empty: an instance is a mapping of keys "
                                            "(name, uses, categories, parcels, options, ...)")])
    if not isinstance(doc, dict):
        raise InstanceError([Problem(where, f"the document must be a mapping of keys, not {type_name(doc)}")])
    problems = [Problem(f"{path.name} line {line}", f"duplicate key {show(key)}")
                for line, key in duplicates]
    return doc, problems


def node_problem(root: yaml.Node) -> str | None:
    """What makes a composed YAML document too big or recursive, or None.

    Walks the node graph once (aliases share their node), computing for each
    node its depth and its size with every alias expanded.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    state: dict[int, int] = {}  # 1: on the current path, 2: done
    unique = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, close = stack.pop()
        k = id(node)
        if close:
            kids = _children(node)
            size[k] = 1 + sum(size[id(c)] for c in kids)
            depth[k] = 1 + max((depth[id(c)] for c in kids), default=0)
            state[k] = 2
            if depth[k] > MAX_DEPTH:
                return f"nested more than {MAX_DEPTH} levels deep (the limit)"
            if size[k] - unique > MAX_ALIAS_NODES:
                return (f"aliases expand the document to {size[k]:,} nodes; they may add at most "
                        f"{MAX_ALIAS_NODES:,}")
            continue
        if state.get(k) == 2:
            continue
        if state.get(k) == 1:
            line = node.start_mark.line + 1 if node.start_mark else "?"
            return f"an alias refers to a node that contains it (line {line}): recursive structures are not allowed"
        state[k] = 1
        unique += 1
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if state.get(id(c)) != 2)
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _reason(exc: Exception) -> str:
    """Why PyYAML could not build a value, in a few words (never the whole input)."""
    text = str(exc)
    if "integer string conversion" in text:
        return "an integer with more than 4,300 digits"
    return show(text)
