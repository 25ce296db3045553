# Newsbot on CPU, with the default embedding model built into the image.
#   docker build -t newsbot .
#   docker run --env-file .env -v newsbot-data:/data newsbot            (one process, embedded Chroma)
#   docker compose up -d                                                  (several, see docker-compose.yml)
FROM python:3.11-slim

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONUNBUFFERED=1 \
    NEWSBOT_DATA_DIR=/data \
    NEWSBOT_MODELS_DIR=/opt/newsbot/models \
    NEWSBOT_SOURCES=/opt/newsbot/seeds

WORKDIR /opt/newsbot

# CPU torch first, from PyTorch's CPU index: the default wheel from PyPI drags in CUDA (several GB).
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

COPY pyproject.toml README.md ./
COPY index index
COPY bot bot
COPY scripts scripts
RUN pip install --no-cache-dir ".[postgres]"

# Bake the model in: containers start answering without building or downloading anything.
RUN newsbot prepare

COPY seeds seeds
RUN useradd --create-home --uid 1000 newsbot && mkdir -p /data && chown newsbot /data
USER newsbot
VOLUME /data
EXPOSE 8443

HEALTHCHECK --interval=60s --timeout=30s --start-period=120s --retries=3 CMD ["newsbot", "health", "--bot"]
CMD ["newsbot", "serve"]
