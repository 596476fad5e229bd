# tracers serving its Prefect flows: `docker compose up` (docker-compose.yml) runs it beside a
# Prefect server; alone: docker run -e PREFECT_API_URL=http://host:4200/api -v tracers-data:/data IMAGE
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# What the wheel is built from (pyproject.toml: packages tracers and flows, sql force-included),
# and prefect.yaml for work-pool setups (`prefect deploy --all` from /app).
COPY pyproject.toml README.md prefect.yaml ./
COPY tracers ./tracers
COPY flows ./flows
COPY sql ./sql
RUN pip install . \
    && useradd --create-home --uid 10001 --user-group tracers \
    && mkdir /data \
    && chown tracers:tracers /data

USER tracers
# The store lives on a volume; a named volume mounted here starts owned by the tracers user.
ENV TRACERS_DB=/data/tracers.duckdb
VOLUME ["/data"]

CMD ["tracers", "serve"]
