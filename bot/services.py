"""Build the long-lived services from settings, for every front end alike.

The Discord bot, the console's ``stats`` and ``kb`` commands all open the
analytics store the same way (database path, salt, retention), so each
gets the same privacy guarantees. Nothing here imports discord.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.analytics import Analytics
from bot.engine.engine import Engine
from bot.settings import Settings


def build_analytics(settings: Settings, engine: Callable[[], Engine] | None = None) -> Analytics:
    """The analytics store the settings describe.

    The salt is the configured one, else a random per-install salt kept beside the
    database. With ``engine`` (a getter, so a hot reload is followed), clusters of
    missed questions get a suggested knowledge-base entry.
    """
    salt = settings.analytics_salt.get_secret_value() if settings.analytics_salt else None
    analytics = Analytics(
        settings.database_path,
        salt=salt,
        low_confidence=settings.answer_threshold,
        retention_days=float(settings.question_retention_days),
        database=settings.database,
    )
    if engine is not None:
        analytics.suggest = lambda question: engine().suggest_target(question)
    return analytics
