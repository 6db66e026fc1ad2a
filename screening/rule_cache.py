"""A disk cache of the plain data parsed from each rule file, so a new process skips most YAML reading.

Why: reading the 21 rule files' YAML is about a third of `python -m screening check`. Turning text into
plain data (dicts, lists, strings, numbers) is deterministic, so it is the one step that can be cached
without changing what the loader decides: every load still validates that data with the pydantic models
and runs every cross-check, so a rule file that is wrong is refused exactly as before (fail-closed).

What is safe about it:
- Only the command line uses it (`load_ruleset(..., data_cache=True)`): the app and the CDS service read
  the rules once per process and never read or write the cache. Only rule files come here. Case files, records and uploads (patient data) never do,
  so nothing about a patient is ever written to disk.
- Entries are JSON, never pickle: reading one can only give data, never run code.
- The key is the SHA-256 of the reader's version (the bytes of yaml_io.py, PyYAML's version and whether
  libyaml is used) and the file's text, so an edited rule file or a changed reader is read afresh.
- An entry is written only when JSON gives back exactly the data YAML gave (an integer key or a NaN
  would not), atomically (temporary file, then rename), and it is used only when it is intact and names
  its own key; anything else is ignored and replaced. A disk that cannot be written just means no cache.

Where: $LDN_CACHE_DIR, else $XDG_CACHE_HOME/ldn-screening, else ~/.cache/ldn-screening.
LDN_CACHE_DIR=off turns it off. The folder can be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from . import yaml_io
from .yaml_io import load_yaml

CACHE_ENV = "LDN_CACHE_DIR"
_FORMAT = 1   # bump when the entry layout below changes


def cache_dir() -> Path | None:
    """The cache folder the environment asks for, or None when LDN_CACHE_DIR=off."""
    given = os.environ.get(CACHE_ENV, "").strip()
    if given.lower() == "off":
        return None
    if given:
        return Path(given)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "ldn-screening"


@lru_cache(maxsize=1)
def reader_version() -> str | None:
    """What the parsed data depends on besides the text; None (no cache) when yaml_io.py cannot be read."""
    try:
        source = Path(yaml_io.__file__).read_bytes()
    except OSError:
        return None
    extra = f"\0{_FORMAT}\0{yaml.__version__}\0{getattr(yaml, '__with_libyaml__', False)}".encode()
    return hashlib.sha256(source + extra).hexdigest()


def entry_key(text: str, version: str) -> str:
    """The cache key of one rule file's text read by one reader version."""
    return hashlib.sha256(version.encode() + b"\0" + text.encode("utf-8", "surrogatepass")).hexdigest()


def load_rule_yaml(text: str) -> Any:
    """The data of a rule file's YAML text: from the cache when an intact entry exists, else parsed (and kept).

    Raises YamlError exactly as load_yaml does; a file that does not parse is never cached.
    """
    folder, version = cache_dir(), reader_version()
    if folder is None or version is None:
        return load_yaml(text)
    key = entry_key(text, version)
    found, data = _read(folder, key)
    if found:
        return data
    data = load_yaml(text)
    _write(folder, key, data)
    return data


def _read(folder: Path, key: str) -> tuple[bool, Any]:
    """(True, data) for an intact entry of this key; (False, None) when absent, unreadable or not ours."""
    try:
        entry = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):   # absent, unreadable, not UTF-8, not JSON, too deep
        return False, None
    if not (isinstance(entry, dict) and entry.keys() == {"key", "data"} and entry["key"] == key):
        return False, None
    return True, entry["data"]


def _write(folder: Path, key: str, data: Any) -> None:
    """Keep data under key when JSON round-trips it exactly; any failure to write is ignored."""
    try:
        text = json.dumps({"key": key, "data": data}, allow_nan=False)   # ASCII: lone surrogates survive
        if json.loads(text)["data"] != data:
            return
    except (TypeError, ValueError, RecursionError):   # not JSON data (e.g. a date or a set), NaN, too deep
        return
    import tempfile   # only when writing: keeps it out of the start-up of a warm run

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, folder / f"{key}.json")
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except (OSError, ValueError):   # read-only or full disk, no permission: no cache
        return
