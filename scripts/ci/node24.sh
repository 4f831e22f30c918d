#!/usr/bin/env bash
# Source me: puts Node 24 on PATH. Debian's Node is 20 (end-of-life; @pulumi/pulumi and vitest need
# >= 22); the node@24 npm package ships the official binary, so npm alone can install it.
NODE24_PREFIX=${NODE24_PREFIX:-$HOME/.node24}
if [[ "$(node -v 2>/dev/null)" != v24.* ]]; then
  if [[ ! -x "$NODE24_PREFIX/node_modules/.bin/node" ]]; then
    echo "ci: installing Node 24 into $NODE24_PREFIX"
    npm install --prefix "$NODE24_PREFIX" --no-save --no-audit --no-fund node@24 >/dev/null
  fi
  export PATH="$NODE24_PREFIX/node_modules/.bin:$PATH"
fi
echo "ci: node $(node -v), npm $(npm -v 2>/dev/null)"
