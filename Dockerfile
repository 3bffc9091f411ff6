# syntax=docker/dockerfile:1
# One image for every RoofKit process: `roofkit serve importer|auth|ratelimit|operator` and
# `roofkit migrate`. The chart passes those as arguments to the `roofkit` entrypoint.
FROM python:3.11-slim AS runtime

COPY --from=ghcr.io/astral-sh/uv:0.13.8 /uv /uvx /usr/local/bin/

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH

RUN groupadd --system --gid 10001 roofkit \
 && useradd --system --uid 10001 --gid roofkit --home-dir /app --shell /usr/sbin/nologin roofkit

WORKDIR /app

# Dependencies first, from the lock file only, so source edits reuse this layer.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-project

# The sources are owned by the runtime user so Tilt's live update can replace them in place;
# the project is installed editable, so synced files are what the processes import.
COPY --chown=roofkit:roofkit pyproject.toml uv.lock README.md ./
COPY --chown=roofkit:roofkit services/ services/
COPY --chown=roofkit:roofkit operator/ operator/
COPY --chown=roofkit:roofkit proto-events/ proto-events/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev \
 && roofkit --help >/dev/null

USER 10001:10001
EXPOSE 8080 8081 8082 8083
ENTRYPOINT ["roofkit"]
CMD ["serve", "importer"]
