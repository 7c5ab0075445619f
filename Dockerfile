# The clinic bot in a small image: `docker build -t clinic-bot .`
# Run with a .env (docs/deployment.md): docker run --env-file .env -v clinic-data:/app/data clinic-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN useradd --create-home --uid 10001 clinicbot
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content
COPY db ./db
# The database and its backups live in folders the non-root user owns (0700).
RUN pip install . && mkdir -p /app/data /app/backups \
    && chown clinicbot /app/data /app/backups && chmod 700 /app/data /app/backups
USER clinicbot
VOLUME ["/app/data", "/app/backups"]
# The webhook server's port, when BOT_MODE=webhook.
EXPOSE 8080
# Healthy while the database answers and Telegram accepts the token (it sends nothing).
HEALTHCHECK --interval=5m --timeout=60s --start-period=60s --retries=2 \
    CMD ["python", "-m", "bot", "check"]
CMD ["python", "-m", "bot", "run"]
