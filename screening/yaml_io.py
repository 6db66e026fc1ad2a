"""Safe YAML reading with three clinical-data fixes: `yes`/`no` stay words, dates stay text until the
schema reads them, and duplicate keys are errors.

PyYAML follows YAML 1.1, where `yes`, `no`, `on` and `off` silently become booleans, a repeated key
silently overwrites the first, and an impossible date such as 2026-02-30 crashes the parser instead
of being reported at its field. In a checklist whose answers are "yes", "no" and dates, all are traps.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_BOOL_TAG = "tag:yaml.org,2002:bool"


class YamlError(ValueError):
    """The text is not YAML we accept; the message gives the line."""


_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml's parser when present: ~5x faster


class _Loader(_BASE):  # type: ignore[misc,valid-type]
    """A safe loader that keeps yes/no/on/off as strings and rejects duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f'duplicate key "{key}" (each key may appear once)', key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_yaml(text: str) -> Any:
    """Parse YAML text safely (no tags that build objects); raise YamlError with the line on failure."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from a safe loader
    except yaml.YAMLError as exc:
        raise YamlError(_explain(exc)) from None


def _explain(exc: yaml.YAMLError) -> str:
    """PyYAML's problem with both of its places: where the construct began and where it broke."""
    def at(mark: Any) -> str:
        return f"line {mark.line + 1}, column {mark.column + 1}"
    problem = getattr(exc, "problem", None) or str(exc)
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
