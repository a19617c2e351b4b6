# Shared by the scripts: make sure .venv exists and holds the project (re-installed only
# when pyproject.toml changes, so a second start is quick).
ensure_venv() {
  local extras="$1"  # "" or "dev"
  local python="${PYTHON:-python3}"
  local spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  local stamp=".venv/.installed${extras:+-$extras}"
  local want
  want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
  if [ ! -x .venv/bin/python ]; then
    echo "creating .venv" >&2
    "$python" -m venv .venv
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "installing $spec into .venv" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$want" > "$stamp"
  fi
}
