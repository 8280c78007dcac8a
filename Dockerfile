# LLM guide Discord bot. Build: docker build -t llm-guide-bot .
# Run:   cp .env.example .env   (then set DISCORD_TOKEN in it), mkdir -p data, and
#        docker run -d --restart unless-stopped --name llm-guide-bot --user "$(id -u):$(id -g)" \
#          --env-file .env -v "$PWD/knowledge:/app/knowledge" -v "$PWD/data:/app/data" llm-guide-bot
# --user makes the bot write the mounted folders as their owner on the host (edits from
# Discord save, undo and restore there); without it the process runs as uid 10001.
# Mount the knowledge/ directory, never single files: editors save by replacing the file,
# and a bind mount of the old file would keep showing the old version.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOWLEDGE_DIR=/app/knowledge \
    DATA_DIR=/app/data

WORKDIR /app

# Knowledge is copied last, so editing it does not reinstall the package.
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 botuser \
    && mkdir -p /app/data \
    && chown botuser:botuser /app/data

COPY --chown=botuser:botuser knowledge ./knowledge

USER 10001

# Admins edit the knowledge files on the host; the bot hot-reloads them. The data volume
# keeps the analytics database and the per-install salt across upgrades.
VOLUME ["/app/knowledge", "/app/data"]

ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
