"""The one base model for everything read from a file (rule files, case files, records).

Unknown fields are errors, not silently dropped: a misspelt `show_wen:` or `expectd:` must stop the
file, never quietly switch a check off. Models are frozen, so a rule set shared by every session, or a
record being verified, cannot change after it was read. Field names may be given for aliased fields
(`in_` for `in`), which only rule conditions use.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Closed and immutable: see the module docstring."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
