#!/usr/bin/env bash
# Validates every document of every YAML file under deploy/ (the sandbox's
# manifests folder included: they are Kubernetes objects too) against the
# Kubernetes OpenAPI schemas, with the npm packages kubernetes-models and
# js-yaml (tests/lint/k8s-schema.mjs says what is checked).
#
#   tests/lint/k8s-schema.sh [FILE...]
#
# FILEs default to every *.yml/*.yaml under deploy/ except the two that are
# not Kubernetes objects: the agent's own configuration example and the
# Prometheus scrape job deploy/prometheus/scrape-config.yaml (a
# prometheus.yml fragment).  The packages are installed once, at the pinned
# versions, into SEINE_NPM_CACHE (default /var/cache/seine/npm), outside
# the tree.  Without node or npm the test is skipped (exit 77).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd) || exit 1
top=$(cd "$here/../.." && pwd) || exit 1
cache=${SEINE_NPM_CACHE:-/var/cache/seine/npm}
models_version=4.5.1
yaml_version=4.1.0

for cmd in node npm; do
    command -v "$cmd" >/dev/null || { echo "k8s-schema: $cmd is not installed"; exit 77; }
done

installed() {
    node -e 'const p = require(process.argv[1] + "/node_modules/" + process.argv[2] + "/package.json");
             process.exit(p.version === process.argv[3] ? 0 : 1)' "$cache" "$1" "$2" 2>/dev/null
}
if ! installed kubernetes-models "$models_version" || ! installed js-yaml "$yaml_version"; then
    mkdir -p "$cache"
    [ -e "$cache/package.json" ] || echo '{"private": true}' > "$cache/package.json"
    echo "k8s-schema: installing kubernetes-models@$models_version js-yaml@$yaml_version into $cache"
    npm install --prefix "$cache" --no-audit --no-fund --no-save --loglevel=error \
        "kubernetes-models@$models_version" "js-yaml@$yaml_version" >/dev/null
fi

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    cd "$top" || exit 1
    while IFS= read -r f; do
        case $f in
        deploy/agent.yaml.example | deploy/prometheus/scrape-config.yaml) ;;
        *) files+=("$f") ;;
        esac
    done < <(find deploy -type f \( -name '*.yml' -o -name '*.yaml' \) | sort)
fi
[ ${#files[@]} -gt 0 ] || { echo "k8s-schema: no files"; exit 1; }
exec node "$here/k8s-schema.mjs" "$cache" "${files[@]}"
