"""The project's package boundaries, checked on the source with `ast`, so a slip fails here at once.

Each boundary is its own test function; add new ones below. Keys: ui/keys.py is the one registry of
session-state and widget keys; ui/ and app.py take every key from it, and the core never knows them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from ui import keys

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "ui" / "keys.py"
# Registry values that are also ordinary words or field names of the core's own formats (the case file's,
# the record's and the report's "screening_date"; "summary" and "findings" in every result). Outside ui/
# they are data, never widgets, so the equality check skips them; how ui/ uses them is still checked.
SHARED_WORDS = {keys.SCREENING_DATE, keys.MODE, *keys.FRAGMENTS}
# "topic_" (the topic fragments' prefix) starts ordinary field names too (topic_id, topic_title).
NOT_WIDGET_PREFIXES = {keys.TOPIC_FRAGMENT_PREFIX}
SESSION_STATE_METHODS = {"get", "pop", "setdefault", "update", "items", "keys", "values", "clear", "to_dict"}


def _files(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = ROOT / part
        found.extend([path] if path.suffix == ".py" else sorted(path.rglob("*.py")))
    return found


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


def _registry() -> dict[str, str]:
    """Every key string the registry names as a constant (tuples hold the same constants)."""
    return {name: value for name, value in vars(keys).items() if name.isupper() and isinstance(value, str)}


def _imported_modules(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Each imported module by its full name; `from ui import keys` yields ui and ui.keys."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node, node.module
            yield from ((node, f"{node.module}.{alias.name}") for alias in node.names)


# --- keys: ui/keys.py is the one registry, and the core never knows it ------------------------------------

def test_registry_names_each_key_once() -> None:
    """Two names for one string would be two views of the same state; one is always the mistake."""
    by_value: dict[str, list[str]] = {}
    for name, value in _registry().items():
        by_value.setdefault(value, []).append(name)
    assert not {v: n for v, n in by_value.items() if len(n) > 1}


def test_registry_needs_no_streamlit() -> None:
    """The registry is plain strings and functions, importable by tests and benchmarks without a page."""
    imported = {name for _, name in _imported_modules(_tree(REGISTRY))}
    assert imported <= {"__future__", "__future__.annotations", "typing", "typing.Literal"}, imported


def test_no_widget_key_outside_ui() -> None:
    """screening/, bench/ and scripts/ never spell a key: the core sees answers, never widgets, and a
    benchmark that drives the page takes its keys from ui.keys, so it cannot drift from the page."""
    constants = {value: name for name, value in _registry().items()
                 if not name.endswith("_PREFIX") and value not in SHARED_WORDS}
    prefixes = {value for name, value in _registry().items() if name.endswith("_PREFIX")} - NOT_WIDGET_PREFIXES
    widget_name = re.compile(f"(?:{'|'.join(map(re.escape, sorted(prefixes)))})[a-z0-9_]+")
    found = []
    for path in _files("screening", "bench", "scripts"):
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value in constants:
                    found.append(f"{_where(path, node)}: {node.value!r} is keys.{constants[node.value]}")
                elif widget_name.fullmatch(node.value):
                    found.append(f"{_where(path, node)}: {node.value!r} names a widget; use ui.keys")
    assert not found, "\n".join(found)


def test_only_the_page_imports_the_key_registry() -> None:
    """ui.keys and ui.state are the page's: app.py, ui/, bench/ and tests/ may use them, nothing else."""
    page_only = {"ui.keys", "ui.state"}
    others = [p for p in ROOT.rglob("*.py")
              if not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
              and p.relative_to(ROOT).parts[0] not in ("ui", "bench", "tests", "app.py")]
    assert any(p.relative_to(ROOT).parts[0] == "screening" for p in others)     # the scan sees the core
    found = [f"{_where(p, node)}: imports {name}" for p in others for node, name in _imported_modules(_tree(p))
             if name in page_only]
    assert not found, "\n".join(found)


def test_core_never_imports_streamlit_or_ui() -> None:
    """screening/ is the pure core: the CLI, the CDS service and the tests use it without a page."""
    found = [f"{_where(p, node)}: imports {name}" for p in _files("screening")
             for node, name in _imported_modules(_tree(p))
             if name.split(".")[0] in ("streamlit", "ui")]
    assert not found, "\n".join(found)


def _is_session_state(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "session_state"
            and isinstance(node.value, ast.Name) and node.value.id in ("st", "streamlit"))


def _spelled(node: ast.AST | None) -> bool:
    """A key written out in place: a string literal, an f-string, or a sum or %-format with one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _spelled(node.left) or _spelled(node.right)
    return False


def _spelled_keys(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Every place a key is written out instead of taken from the registry."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "key" and _spelled(kw.value):
                    yield node, "key="
            func = node.func
            if isinstance(func, ast.Attribute) and _is_session_state(func.value):
                if node.args and _spelled(node.args[0]) and func.attr != "update":
                    yield node, f"st.session_state.{func.attr}()"
                if func.attr == "update" and (any(kw.arg for kw in node.keywords) or any(
                        isinstance(a, ast.Dict) and any(_spelled(k) for k in a.keys) for a in node.args)):
                    yield node, "st.session_state.update()"
            if isinstance(func, ast.Attribute) and func.attr == "rerun" and any(
                    _spelled(n) for a in node.args for n in ast.walk(a)):
                yield node, "st.rerun(fragments)"
        elif isinstance(node, ast.Subscript) and _is_session_state(node.value) and _spelled(node.slice):
            yield node, "st.session_state[...]"
        elif isinstance(node, ast.Compare) and _spelled(node.left) and any(
                isinstance(op, (ast.In, ast.NotIn)) and _is_session_state(right)
                for op, right in zip(node.ops, node.comparators)):
            yield node, "in st.session_state"
        elif (isinstance(node, ast.Attribute) and _is_session_state(node.value)
              and node.attr not in SESSION_STATE_METHODS):
            yield node, f"st.session_state.{node.attr}"


def test_page_takes_every_key_from_the_registry() -> None:
    """In ui/ and app.py no key is written out (key=, st.session_state[...], .get/.pop/.setdefault/.update,
    `in`, st.rerun's fragments), and no string there equals a registry key or prefix (a prefix scan such
    as startswith("res_"), a key built by hand): every key comes from ui/keys.py."""
    registry = {value: name for name, value in _registry().items()}
    found = []
    for path in _files("app.py", "ui"):
        if path == REGISTRY:
            continue
        tree = _tree(path)
        found += [f"{_where(path, node)}: {what} spells its key; take it from ui/keys.py"
                  for node, what in _spelled_keys(tree)]
        found += [f"{_where(path, node)}: {node.value!r} is keys.{registry[node.value]}"
                  for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in registry]
    assert not found, "\n".join(found)


def test_page_css_styles_the_registry_keys() -> None:
    """The page CSS spells container keys as class names (.st-key-<key>); they must be registry keys."""
    from ui.common import PAGE_CSS
    from ui.trainer import LOCKED_CSS
    for key in (keys.FINDINGS_STRIP, keys.FINDINGS_PANEL):
        assert f".st-key-{key}" in PAGE_CSS
    assert f'[class*="st-key-{keys.PREDICTION_PREFIX}"]' in LOCKED_CSS
    named = set(re.findall(r"st-key-([A-Za-z0-9_-]+)", PAGE_CSS + LOCKED_CSS))
    assert named <= {keys.FINDINGS_STRIP, keys.FINDINGS_PANEL, keys.PREDICTION_PREFIX}, named


# --- one unit of work: only the Screening parses answers and applies skip logic --------------------------

PRODUCT = ("app.py", "screening", "ui", "bench", "scripts")
# function name -> the only modules that may call it
ONE_PLACE = {
    "parse_answers": {"screening/session.py"},
    "applicable_answers": {"screening/session.py", "screening/engine.py"},
    "show_when": {"screening/engine.py"},            # a compiled question's skip logic, applied
}


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def test_only_the_screening_parses_answers_and_applies_skip_logic() -> None:
    """The app, CLI, double-check, trainer, exports and services all go through screening.session.Screening:
    a second place that parses or hides answers is a second way to get a different result."""
    offenders = []
    for path in _files(*PRODUCT):
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and _called_name(node) in ONE_PLACE and rel not in ONE_PLACE[_called_name(node)]:
                offenders.append(f"{_where(path, node)} calls {_called_name(node)}")
    assert not offenders, "use Screening (screening/session.py) instead:\n" + "\n".join(offenders)


# --- content is data: no rule-set id is written in code --------------------------------------------------

# Words that are rule-set ids *and* something else the code must name: each exemption says what else.
NOT_AN_ID_HERE = {
    "medications": "a field of case files, records and reports, the CDS prefetch key and the rules/medications folder",
    "medication": "a CSV column-header word (screening/medication_input.py)",
}


def _rule_set_ids() -> dict[str, str]:
    from screening.loader import load_ruleset

    rs = load_ruleset()
    vocab = rs.matcher.vocabulary
    ids: dict[str, str] = {}
    for kind, values in (("topic", [t.id for t in rs.topics]), ("question", [cq.question.id for cq in rs.questions]),
                         ("rule", [r.id for r in rs.all_rules]), ("fact", list(rs.facts)), ("table", list(rs.tables)),
                         ("category", list(rs.categories)), ("source", list(rs.sources)),
                         ("medication class", [c.id for c in vocab.classes]),
                         ("word group", [g.id for g in vocab.known_words]),
                         ("contradiction", [c.decl.id for c in rs.contradictions]),
                         ("medication", [*rs.matcher.ingredients, *(e.id for e, _ in rs.matcher._names.values())])):
        ids.update({v: kind for v in values})
    return ids


def test_no_rule_set_id_is_written_in_code() -> None:
    """A topic, question, rule, fact, class or medication id in Python would make renaming it in rules/ a code
    change (renaming the medication topic used to crash `check --format markdown`). The code names such ids
    through the rule files (ruleset.yaml `medication_topic`, the vocabulary's `class_roles`)."""
    ids = _rule_set_ids()
    offenders = []
    for path in _files("app.py", "screening", "ui"):
        for node in ast.walk(_tree(path)):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ids
                    and node.value not in NOT_AN_ID_HERE):
                offenders.append(f'{_where(path, node)}: "{node.value}" is a {ids[node.value]} id')
    assert not offenders, "\n".join(offenders)


# --- every exception is in the error tree ----------------------------------------------------------------

def test_every_exception_is_a_screening_error_drawn_in_the_tree() -> None:
    """Callers catch ScreeningError to handle this package's failures alone; errors.py draws the whole tree."""
    import screening.errors as errors

    tree_text = errors.__doc__ or ""
    defined = {name for name, obj in vars(errors).items() if isinstance(obj, type) and issubclass(obj, Exception)}
    outside = [f"{_where(path, node)}: {node.name}" for path in _files("app.py", "screening", "ui")
               if path.name != "errors.py" for node in ast.walk(_tree(path))
               if isinstance(node, ast.ClassDef) and (node.name.endswith(("Error", "Exception"))
                                                      or any(isinstance(b, ast.Name) and b.id in (*defined, "Exception",
                                                                                                   "ValueError")
                                                             for b in node.bases))]
    assert not outside, "define exceptions in screening/errors.py:\n" + "\n".join(outside)
    for name in defined - {"ScreeningError"}:
        assert issubclass(getattr(errors, name), errors.ScreeningError), name
        assert re.search(rf"\b{name}\b", tree_text), f"{name} is not drawn in the errors.py docstring"
