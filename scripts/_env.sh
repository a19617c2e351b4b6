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

# GraphiQL's browser files (React, GraphiQL, its explorer plugin) come from the npm registry,
# pinned by assets/graphiql/package-lock.json; re-installed only when the lock file changes or
# node_modules is gone. Install scripts of the packages are never run: only their files are used.
ensure_graphiql_assets() {
  local dir="assets/graphiql"
  local stamp="$dir/node_modules/.installed"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: install Node.js and npm, then run this again" \
      "(until then GET /graphql in a browser answers 503)" >&2
    return 1
  fi
  echo "installing GraphiQL assets into $dir/node_modules" >&2
  if ! npm ci --prefix assets/graphiql --no-audit --no-fund --ignore-scripts --loglevel=error; then
    echo "npm ci failed: GraphiQL assets are not installed" >&2
    return 1
  fi
  echo "$want" > "$stamp"
}

# The SPA clients the tests drive (Apollo Client, urql, Relay), pinned by
# spa-clients/package-lock.json; installed as GraphiQL's files are (no install scripts: relay-compiler
# ships its binaries in the package). Without npm the tests of spa-clients/ skip or say so.
ensure_spa_clients() {
  local dir="spa-clients"
  local stamp="$dir/node_modules/.installed"
  local want
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: the SPA client tests need Node.js and npm" >&2
    return 0
  fi
  echo "installing the SPA clients into $dir/node_modules" >&2
  if ! npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error; then
    echo "npm ci failed: the SPA clients are not installed" >&2
    return 1
  fi
  echo "$want" > "$stamp"
}
