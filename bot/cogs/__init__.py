"""The bot's extensions, one per feature (python-discord style).

Every public module here is an extension with a ``setup(bot)`` function and is
loaded on start; shared Discord glue lives in :mod:`bot.discord_glue`, not here.
"""

from __future__ import annotations

import pkgutil


def walk_extensions() -> list[str]:
    """Dotted names of every extension in this package (modules not starting with _)."""
    return [
        f"{__name__}.{module.name}"
        for module in pkgutil.iter_modules(__path__)
        if not module.name.startswith("_")
    ]


EXTENSIONS: tuple[str, ...] = tuple(walk_extensions())
