#!/bin/sh
# Deploys the sandbox: builds the image and runs it, the project's folder mounted
# read-only at /scenarios (scenarios and the commands modules they name), journals
# of runs started over HTTP on a named volume. Usage:
#   SEEDER_SERVE_TOKEN=... deploy/run.sh scenarios/school.yaml [PORT]
# Without SEEDER_SERVE_TOKEN the runs API takes no token: keep the port on loopback.
set -eu
scenario=${1:?usage: deploy/run.sh SCENARIO [PORT]}
port=${2:-8000}
here=$(cd "$(dirname "$0")/.." && pwd)
docker build -t seeder-serve "$here"
docker rm -f seeder-serve 2>/dev/null || true
docker run -d --name seeder-serve --restart unless-stopped \
  -p "127.0.0.1:$port:8000" \
  -v "$(pwd):/scenarios:ro" -v seeder-data:/data \
  -e SEEDER_SERVE_TOKEN \
  seeder-serve "/scenarios/$scenario"
echo "seeder serve of $scenario on http://127.0.0.1:$port (docker logs -f seeder-serve)"
