#!/bin/sh
# Rebuild the console's CodeMirror 6 bundle from the npm registry (pinned in
# package-lock.json) into src/muster/web/console/static/vendor/, with each package's
# licence. Run from anywhere: sh scripts/editor/build.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../../src/muster/web/console/static/vendor"
cd "$here"
npm ci --no-audit --no-fund
./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=CM \
  --legal-comments=none --target=es2019 --outfile="$out/codemirror.js"
node licences.js > "$out/codemirror.LICENSE.txt"
rm -rf node_modules
