"""Question analytics: recorded off the reply path, scrubbed, pseudonymous, grouped into misses.

``Analytics`` (``store.py``) is the only thing callers need; ``writer.py`` owns the
SQLite connection on its own thread, ``schema.py`` the tables, ``keys.py`` salts,
hashes and ids, and ``clusters.py`` groups missed questions for the teach loop.
"""

from bot.analytics.clusters import MissCluster, format_clusters
from bot.analytics.schema import SCHEMA_VERSION
from bot.analytics.store import Analytics

__all__ = ["SCHEMA_VERSION", "Analytics", "MissCluster", "format_clusters"]
