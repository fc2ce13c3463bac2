# The credit-graph service: the HTTP API, from one `serve` process.
# Built by docker-compose.yml, which supplies Neo4j and every setting (graph/settings.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what the package is built from: a bare `COPY . .` would take in .venv, .git, tests
# and the embedded Neo4j's data and jar cache.
COPY pyproject.toml README.md ./
COPY graph ./graph
COPY loaders ./loaders
COPY api ./api
COPY dashboards ./dashboards
RUN pip install . \
    && useradd --system --uid 10001 --no-create-home credit-graph

# Production refuses the development secrets and an empty pid key at start-up
# (graph/settings.py); docker-compose.yml supplies the real ones.
ENV CREDIT_GRAPH_ENVIRONMENT=production
USER credit-graph
EXPOSE 8000
CMD ["credit-graph", "serve", "--host", "0.0.0.0"]
