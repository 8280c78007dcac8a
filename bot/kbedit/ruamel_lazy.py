"""ruamel.yaml, imported the first time an edit needs it.

Only writes use the round-trip loader; a bot that nobody edits should not carry it (about
1 MiB resident). Code reads the names as attributes at call time, ``rt.CommentedMap``
(``from bot.kbedit import ruamel_lazy as rt``), which imports ruamel.yaml on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "YAML": "ruamel.yaml",
    "YAMLError": "ruamel.yaml.error",
    "CommentedMap": "ruamel.yaml.comments",
    "CommentedSeq": "ruamel.yaml.comments",
    "RoundTripRepresenter": "ruamel.yaml.representer",
    "ScalarString": "ruamel.yaml.scalarstring",
    "DoubleQuotedScalarString": "ruamel.yaml.scalarstring",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value
