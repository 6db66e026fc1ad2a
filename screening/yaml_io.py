"""Safe YAML (and JSON) reading with three clinical-data fixes: `yes`/`no` stay words, dates stay text until
the schema reads them, and duplicate keys are errors; and with bounds, because files come from uploads.

PyYAML follows YAML 1.1, where `yes`, `no`, `on` and `off` silently become booleans, a repeated key
silently overwrites the first, and an impossible date such as 2026-02-30 crashes the parser instead
of being reported at its field. In a checklist whose answers are "yes", "no" and dates, all are traps.

Hostile files: libyaml's composer and Python's json module recurse once per nesting level, so
`[[[[...` 30,000 deep crashes the whole server process (a segfault, every session lost); a 400-byte
alias bomb expands to gigabytes. So the text is first *scanned* (libyaml's scanner is a loop, not a
recursion) and refused before any parsing when it nests deeper than `max_depth`, holds more than
`max_tokens` tokens, or (for uploads) uses anchors and aliases at all. JSON gets the same bounds from
a character pre-scan.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .errors import JsonError, YamlError

_BOOL_TAG = "tag:yaml.org,2002:bool"


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's parser when present: ~5x faster


class _Loader(_BASE):  # type: ignore[misc,valid-type]
    """A safe loader that keeps yes/no/on/off as strings and rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain value, not a list or a mapping", key_node.start_mark)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f'duplicate key "{shorten(str(key), 60)}" (each key may appear once)', key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


MAX_DEPTH = 64            # rule files nest conditions a dozen levels at most
_OPEN = ("BlockMappingStartToken", "BlockSequenceStartToken", "FlowMappingStartToken", "FlowSequenceStartToken")
_CLOSE = ("BlockEndToken", "FlowMappingEndToken", "FlowSequenceEndToken")


def _prescan(text: str, max_depth: int, max_tokens: int | None, allow_aliases: bool) -> None:
    """Refuse text that nests too deep, is too long in tokens, or (when not allowed) uses aliases."""
    depth = count = 0
    try:
        for token in yaml.scan(text, Loader=_BASE):
            count += 1
            name = type(token).__name__
            if name in _OPEN:
                depth += 1
                if depth > max_depth:
                    raise YamlError(f"not accepted: nested more than {max_depth} levels deep "
                                    f"(line {token.start_mark.line + 1}); this file holds data a few levels deep")
            elif name in _CLOSE:
                depth -= 1
            elif not allow_aliases and name in ("AliasToken", "AnchorToken"):
                raise YamlError(f"not accepted: YAML anchors and aliases (&name, *name) are not allowed here "
                                f"(line {token.start_mark.line + 1}); write each value out")
            if max_tokens is not None and count > max_tokens:
                raise YamlError(f"not accepted: more than {max_tokens} values and markers; this is far larger "
                                "than any screening")
    except yaml.YAMLError:
        return   # the parser reports the first error at its place; everything scanned before it was in bounds


def load_yaml(text: str, *, max_depth: int = MAX_DEPTH, max_tokens: int | None = None,
              allow_aliases: bool = True) -> Any:
    """Parse YAML text safely (no tags that build objects); raise YamlError with the line on failure.

    Rule files (maintained text) may use anchors; uploads call this with allow_aliases=False and a
    token limit. Nothing is parsed before the bounds are checked.
    """
    _prescan(text, max_depth, max_tokens, allow_aliases)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from a safe loader
    except yaml.YAMLError as exc:
        raise YamlError(_explain(exc)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:   # e.g. a 5,000-digit integer
        raise YamlError(_unreadable(exc)) from None


def _unreadable(exc: Exception) -> str:
    if "digits" in str(exc):
        return "not accepted: a number in the file is thousands of digits long"
    return f"not accepted: a value cannot be read ({shorten(str(exc), 120)})"


def shorten(text: str, limit: int = 80) -> str:
    """At most `limit` characters of a value for a message, saying how much was left out."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text) - limit} more characters)"


def show_value(value: Any, limit: int = 80) -> str:
    """A value as a message shows it: its repr, capped, so a huge or nested value never floods a message."""
    if isinstance(value, (list, dict)):
        return f"a {'list' if isinstance(value, list) else 'mapping'} ({shorten(repr(value), limit)})"
    return shorten(repr(value), limit)


def _json_depth_ok(text: str, max_depth: int) -> int | None:
    """The line where nesting first exceeds max_depth, or None; strings are skipped (a loop, never recursion)."""
    depth, in_string, escaped, line = 0, False, False, 1
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                return line
        elif ch in "]}":
            depth -= 1
        elif ch == "\n":
            line += 1
    return None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise JsonError(f'duplicate key "{shorten(key, 60)}" (each key may appear once)')
        out[key] = value
    return out


def load_json(text: str, *, max_depth: int = 32) -> Any:
    """Parse JSON with the same rules as YAML uploads: bounded depth, no duplicate keys, clear messages."""
    line = _json_depth_ok(text, max_depth)
    if line is not None:
        raise JsonError(f"not accepted: nested more than {max_depth} levels deep (line {line}); this file holds "
                        "data a few levels deep")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise JsonError(f"not valid JSON: line {exc.lineno}: {exc.msg}") from None
    except JsonError:
        raise
    except (ValueError, OverflowError, RecursionError) as exc:   # e.g. "Exceeds the limit (4300 digits)"
        raise JsonError(_unreadable(exc)) from None


def _explain(exc: yaml.YAMLError) -> str:
    """PyYAML's problem with both of its places: where the construct began and where it broke."""
    def at(mark: Any) -> str:
        return f"line {mark.line + 1}, column {mark.column + 1}"
    problem = shorten(getattr(exc, "problem", None) or str(exc), 200)
    if "could not determine a constructor for the tag" in problem:
        problem = "tags such as !!python/... are not allowed (rule and case files hold data only)"
    mark, context, context_mark = (getattr(exc, n, None) for n in ("problem_mark", "context", "context_mark"))
    text = f"not valid YAML: {at(mark) + ': ' if mark is not None else ''}{problem}"
    if context and context_mark is not None:
        text += f" ({context} that starts at {at(context_mark)})"
    return text


def dump_yaml(data: Any) -> str:
    """Write YAML that load_yaml reads back to the same data (block style, keys in given order)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
