"""Discord glue shared by the extensions in ``bot/cogs`` and by ``bot/main.py``.

Each module holds one concern: ``asking`` (engine call and analytics record),
``sending`` (replies that never ping, deferral, apologies), ``cooldown``,
``typing_indicator``, ``answer_message`` (an answer's embed and buttons),
``explanations`` ("Why this answer?" memory), ``options`` (slash-command option
transformers), ``translator`` (command names for zh-CN), ``i18n``, ``reports``
(admin text), and ``kbui``, the knowledge editor's package.
Nothing here is an extension; ``bot/cogs`` holds only extensions.
"""
