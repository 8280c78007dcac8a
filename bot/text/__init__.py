"""Text handling shared by every layer: normalisation, tokens, scripts.

It sits below both ``bot.kb`` and ``bot.engine`` (and analytics), so none of
them has to import another to clean a string.
"""
