# seeder serve as a container: the sandbox data service (and its runs API) of the
# scenarios mounted at /scenarios. Build and run (see README, "seeder serve in a
# container"):
#   docker build -t seeder-serve .
#   docker run --rm -p 8000:8000 -v "$PWD:/scenarios:ro" seeder-serve /scenarios/scenarios/school.yaml
# The build's steps are deploy/install.sh, which tests/test_image.py runs in a fresh
# virtualenv (no Docker engine runs where the tests do).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/seeder/bin:$PATH \
    SEEDER_JOURNAL_DIR=/data/journals

WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md constraints.txt ./
COPY seeder ./seeder
COPY commands ./commands
COPY scenarios ./scenarios
COPY deploy ./deploy
RUN sh deploy/install.sh /opt/seeder /src
RUN useradd --create-home --uid 10001 seeder && mkdir -p /data/journals && chown -R seeder /data

USER seeder
WORKDIR /home/seeder
VOLUME ["/scenarios", "/data"]
EXPOSE 8000
ENTRYPOINT ["seeder", "serve", "--host", "0.0.0.0", "--port", "8000"]
CMD ["school"]
