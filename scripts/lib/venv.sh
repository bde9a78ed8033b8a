# Sourced by scripts/app, scripts/cli and scripts/test (needs $repo set).
# shellcheck shell=bash
# shellcheck disable=SC2154 # set by the sourcing script
: "${repo:?scripts/lib/venv.sh needs \$repo}"

# --- the virtual environment: .venv, reinstalled when pyproject.toml or the pins change -
find_python() {
  local candidate
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "StatusDesk needs Python 3.11 or newer (python3.11 or python3 on PATH)." >&2
  return 1
}

ensure_venv() { # ensure_venv EXTRA: "test" or "app"
  local venv="$repo/.venv" extra="$1" want stamp
  if [[ -e "$venv" ]] && ! "$venv/bin/python" -c '' >/dev/null 2>&1; then
    echo "Recreating the broken virtual environment $venv" >&2
    rm -rf "$venv"
  fi
  if [[ ! -e "$venv/bin/python" ]]; then
    echo "Creating the virtual environment $venv" >&2
    "$(find_python)" -m venv "$venv"
  fi
  want="$(cat "$repo/pyproject.toml" "$repo/packaging/constraints.txt" | sha256sum | cut -d' ' -f1)"
  stamp="$venv/.statusdesk-installed-$extra"
  [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]] && return 0
  echo "Installing StatusDesk and its Python dependencies into $venv" >&2
  local spec="."
  [[ "$extra" == test ]] && spec=".[test,build]" # the suite builds the frozen app too
  # The pins the builds use (packaging/constraints.txt) hold for the venv too.
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    --constraint "$repo/packaging/constraints.txt" -e "$spec"
  echo "$want" >"$stamp"
  # The test extra includes everything the app needs.
  [[ "$extra" == test ]] && echo "$want" >"$venv/.statusdesk-installed-app"
  return 0
}
