"""Entry point for ``python -m bot`` (and the ``llm-guide-bot`` script)."""

from __future__ import annotations

import sys


def main() -> int:
    """Run the CLI; Ctrl-C even while it is still importing is one line and exit 130."""
    try:
        from bot.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
