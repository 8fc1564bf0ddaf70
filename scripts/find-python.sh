#!/bin/bash
# Print the path of a python<LINE> interpreter (e.g. 3.13) that can make a venv, installing Debian's
# package when the release has it; fail with one clear line otherwise.
#   scripts/find-python.sh 3.13
set -euo pipefail
line=${1:?usage: find-python.sh X.Y}
usable() { [ -x "$1" ] && "$1" -c "import ensurepip, venv" >/dev/null 2>&1; }
candidates() {
  command -v "python$line" 2>/dev/null || true
  local root
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  ls -d "$root"/versions/"$line".*/bin/python"$line" 2>/dev/null | sort -V -r || true
  echo "/usr/bin/python$line"
}
for py in $(candidates); do
  if usable "$py"; then echo "$py"; exit 0; fi
done
# Not here yet: Debian releases from trixie on ship python<LINE> (bookworm does not).
if command -v apt-cache >/dev/null && apt-cache show "python$line-venv" >/dev/null 2>&1; then
  bash "$(dirname "$0")/apt-ensure.sh" "python$line" "python$line-venv" >&2
  if usable "/usr/bin/python$line"; then echo "/usr/bin/python$line"; exit 0; fi
fi
echo "python$line not found (PATH, pyenv, Debian packages): install Python $line, e.g. 'pyenv install $line'," \
  "then run make again" >&2
exit 1
