#!/usr/bin/env bash
# Scaffolds packages/<name> as @inst/<name> with the shared tooling: scripts/new-package.sh <name> "<description>"
set -euo pipefail
name=$1; desc=${2:-}
dir="packages/$name"
[ -e "$dir" ] && { echo "$dir exists" >&2; exit 1; }
mkdir -p "$dir/src" "$dir/etc"
cat > "$dir/package.json" <<JSON
{
  "name": "@inst/$name",
  "version": "0.0.0",
  "description": "$desc",
  "type": "module",
  "sideEffects": false,
  "license": "Apache-2.0",
  "engines": { "node": ">=20.19" },
  "exports": {
    ".": { "@inst/source": "./src/index.ts", "types": "./dist/index.d.ts", "default": "./dist/index.js" },
    "./package.json": "./package.json"
  },
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "files": ["dist", "README.md"],
  "scripts": {
    "build": "tsup",
    "typecheck": "tsc -p tsconfig.json",
    "lint": "eslint src",
    "test": "vitest run",
    "api": "inst-api-report",
    "api:check": "inst-api-report --check"
  },
  "dependencies": {},
  "devDependencies": {
    "@inst/api-extractor-config": "workspace:*",
    "@inst/eslint-config": "workspace:*",
    "@inst/tsconfig": "workspace:*",
    "@inst/tsup-config": "workspace:*",
    "@inst/vitest-config": "workspace:*",
    "tsup": "8.5.1",
    "typescript": "5.9.3",
    "vitest": "4.1.12"
  },
  "publishConfig": { "access": "public" }
}
JSON
cat > "$dir/tsconfig.json" <<JSON
{ "extends": "@inst/tsconfig/library.json", "include": ["src", "test"] }
JSON
cat > "$dir/vitest.config.ts" <<TS
import { defineInstProject } from '@inst/vitest-config';

export default defineInstProject();
TS
cat > "$dir/tsup.config.ts" <<TS
import { defineLibraryConfig } from '@inst/tsup-config';

export default defineLibraryConfig();
TS
cat > "$dir/eslint.config.js" <<JS
export { default } from '@inst/eslint-config';
JS
cat > "$dir/api-extractor.json" <<JSON
{ "extends": "@inst/api-extractor-config/base.json", "projectFolder": "." }
JSON
cat > "$dir/README.md" <<MD
# @inst/$name

$desc
MD
echo "export {};" > "$dir/src/index.ts"
echo "created $dir"
