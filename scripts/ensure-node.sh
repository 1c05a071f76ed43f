#!/usr/bin/env bash
# Prints the directory of a supported Node.js (>= 22) binary, installing Node 24 LTS from the npm
# registry's `node` package into .tools/ when the system one is older. Progress goes to stderr.
set -euo pipefail
want_major=22
pinned=24.21.0
here=$(cd "$(dirname "$0")/.." && pwd)
local_dir="$here/.tools/node"
local_bin="$local_dir/node_modules/node/bin"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(major_of node)" -ge "$want_major" ]; then
  dirname "$(command -v node)"
  exit 0
fi
if [ -x "$local_bin/node" ] && [ "$("$local_bin/node" -p 'process.versions.node')" = "$pinned" ]; then
  echo "$local_bin"
  exit 0
fi
echo "ensure-node: system Node is $(node --version 2>/dev/null || echo missing); installing Node $pinned into .tools/node" >&2
mkdir -p "$local_dir"
npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$local_dir" "node@$pinned" >&2
"$local_bin/node" --version >&2
echo "$local_bin"
