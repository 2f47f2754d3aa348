#!/usr/bin/env bash
# Vendor the third-party front-end files that the portal's pages load into
# registry/static/vendor/, so the portal runs without npm or any CDN.
#
# Sources (all from the npm registry, pinned in package.json / package-lock.json):
#   - @utrecht/component-library-css: the NL Design System community components
#     (page header, navigation, buttons, form fields, alerts, tables, pagination,
#     status badges, data lists, ...) as one class-based stylesheet.
#   - @nl-design-system-unstable/voorbeeld-design-tokens: the NL Design System
#     "Voorbeeld" (example) theme, EUPL-1.2. It is the reference theme of NL Design
#     System and defines the tokens the Utrecht components read (utrecht-*, nl-*)
#     on top of a neutral "basis" layer. We load its theme file (scoped to the
#     `voorbeeld-theme` class) and override only the basis colour and font tokens in
#     css/stelsel.css under `stelsel-theme` (calm blue instead of violet).
#     Not @utrecht/design-tokens: those are Gemeente Utrecht's proprietary brand
#     assets (their LICENSE.md excludes them from the open-source licence).
#   - htmx.org 2.x (minified): progressive enhancement only; every page works
#     without it. 2.x is the line whose request/response headers litestar-htmx
#     implements.
#
# Usage: scripts/vendor-static.sh   (run from anywhere; needs node + npm)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund --ignore-scripts
else
    npm install --no-audit --no-fund --ignore-scripts
fi

vendor="registry/static/vendor"
rm -rf "$vendor"
mkdir -p "$vendor"

copy() {  # copy <package> <file inside package> <target name>
    local src="node_modules/$1/$2"
    if [[ ! -f "$src" ]]; then
        echo "vendor-static: missing $src" >&2
        exit 1
    fi
    cp "$src" "$vendor/$3"
}

copy @utrecht/component-library-css dist/index.css utrecht-component-library.css
copy @nl-design-system-unstable/voorbeeld-design-tokens dist/theme.css voorbeeld-design-tokens.css
copy htmx.org dist/htmx.min.js htmx.min.js
# The CSS packages are EUPL-1.2 (one licence text), htmx is 0BSD.
copy @utrecht/component-library-css LICENSE.md LICENSE-EUPL-1.2.md
copy htmx.org LICENSE LICENSE-htmx.txt

version_of() {
    node -p "require('./node_modules/$1/package.json').version"
}

{
    echo "# Vendored by scripts/vendor-static.sh; do not edit by hand."
    echo "# package version -> files in this directory"
    echo "@utrecht/component-library-css $(version_of @utrecht/component-library-css) -> utrecht-component-library.css (EUPL-1.2, LICENSE-EUPL-1.2.md)"
    echo "@nl-design-system-unstable/voorbeeld-design-tokens $(version_of @nl-design-system-unstable/voorbeeld-design-tokens) -> voorbeeld-design-tokens.css (EUPL-1.2, LICENSE-EUPL-1.2.md)"
    echo "htmx.org $(version_of htmx.org) -> htmx.min.js (0BSD, LICENSE-htmx.txt)"
} > "$vendor/VERSIONS.txt"

echo "vendor-static: wrote $(ls "$vendor" | wc -l) files to $vendor"
