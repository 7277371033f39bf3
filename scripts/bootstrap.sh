#!/usr/bin/env bash
# Idempotent set-up shared by the two README commands: a virtualenv with the
# project installed in editable mode, and Debian's Chromium for the browser
# journeys. Fast when nothing changed (a stamp keyed on pyproject.toml and constraints.txt).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"

if [ ! -x "$VENV/bin/python" ]; then
  echo "bootstrap: creating virtualenv in $VENV"
  python3 -m venv "$VENV"
fi
if [ ! -f "$STAMP" ]; then
  echo "bootstrap: installing the project and its dev dependencies"
  # pip's own chatter goes to a log; it is printed only when the install fails.
  if ! { "$VENV/bin/pip" install --upgrade pip && "$VENV/bin/pip" install -e '.[dev]' -c constraints.txt; } > "$VENV/install.log" 2>&1; then
    cat "$VENV/install.log" >&2
    echo "bootstrap: installing the project failed (full log above, also in $VENV/install.log)" >&2
    exit 1
  fi
  rm -f "$VENV"/.installed-*
  touch "$STAMP"
fi

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian's chromium (browser journeys)"
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
  else
    echo "bootstrap: /usr/bin/chromium is missing and I cannot install it (need root + apt-get)." >&2
    echo "bootstrap: install it with 'sudo apt-get install chromium'; browser journeys will be skipped until then." >&2
  fi
fi

# Playwright records a failing browser journey's video with ffmpeg; its own build cannot be downloaded,
# Debian's is linked in its place (harness.browser.enable_video). Without it there is no video, only the
# trace and the screenshot.
if ! command -v ffmpeg >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "bootstrap: installing Debian's ffmpeg (videos of failing browser journeys)"
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null
  else
    echo "bootstrap: ffmpeg is missing: failing browser journeys keep a trace and a screenshot but no video." >&2
  fi
fi
