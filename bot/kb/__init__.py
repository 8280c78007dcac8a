"""Knowledge base: schema, safe loading, checks, the live store and its watcher."""
