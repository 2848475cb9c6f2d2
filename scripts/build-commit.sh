#!/usr/bin/env bash
# Prints the commit a build is made from, for `mkpolicy --version`: the
# checkout's HEAD (12 hex digits), with `-dirty` when tracked files differ
# from it. Prints nothing outside a git checkout (a source tarball): the
# binary then says its commit is unknown rather than guess one.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse --short=12 HEAD 2>/dev/null) || exit 0
git diff --quiet HEAD -- 2>/dev/null || commit="$commit-dirty"
echo "$commit"
