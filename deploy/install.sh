#!/bin/sh
# The image's build step (the Dockerfile's RUN): a virtualenv at $1 holding seeder
# with its 'serve' extra, built from the source tree at $2 at the pins of its
# constraints.txt. tests/test_image.py runs this very script in a fresh folder, so
# what the image runs is tested where no image can be built. pip's own environment
# (PIP_INDEX_URL, PIP_FIND_LINKS, ...) chooses where packages come from.
set -eu
venv=$1
src=$2
python3 -m venv "$venv"
"$venv/bin/pip" install --no-cache-dir --quiet -c "$src/constraints.txt" "$src[serve]"
"$venv/bin/seeder" --version
