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
RUN pip install . && mkdir -p /app/data && chown clinicbot /app/data
USER clinicbot
VOLUME ["/app/data"]
# The webhook server's port, when BOT_MODE=webhook.
EXPOSE 8080
CMD ["python", "-m", "bot", "run"]
