"""Discord glue: one feature per extension module."""
