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
    echo "installing $spec into .venv (the first time takes a minute or two)" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$want" > "$stamp"
  fi
}

# An npm project pinned by its package-lock.json: `npm ci` again only when the lock file changes
# or node_modules is gone. Install scripts of the packages are never run: only their files are
# used. Arguments: the directory, what it holds (for messages), what happens without npm.
ensure_npm_project() {
  local dir="$1" what="$2" without_npm="$3"
  local stamp="$dir/node_modules/.installed"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: install Node.js and npm, then run this again ($without_npm)" >&2
    return 1
  fi
  echo "installing $what into $dir/node_modules" >&2
  if ! npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error; then
    echo "npm ci failed: $what not installed" >&2
    return 1
  fi
  echo "$want" > "$stamp"
}

# GraphiQL's browser files (React, GraphiQL, its explorer plugin).
ensure_graphiql_assets() {
  ensure_npm_project assets/graphiql "the GraphiQL assets" \
    "until then GET /graphql in a browser answers 503"
}

# The SPA clients the tests drive (Apollo Client, urql, Relay; relay-compiler ships its binaries
# in the package, so no install script is needed). Without npm their tests skip and say so.
ensure_spa_clients() {
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: the SPA client tests need Node.js and npm (they skip meanwhile)" >&2
    return 0
  fi
  ensure_npm_project spa-clients "the SPA clients" "the SPA client tests skip meanwhile"
}
