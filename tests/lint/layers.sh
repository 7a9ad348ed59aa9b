#!/usr/bin/env bash
# The direction of includes between the folders of the tree
# (docs/architecture.md, each folder's README): lib <- model <- sources;
# model <- policy, services; pods and hostnet use lib and the dataplane;
# observe reads lib, model and the dataplane;
# only agent/core and agent/main.c see everything.  dataplane/ and cni/
# include nothing of the agent, pmd-config/ and hwoffload/ nothing of it
# either (pmd-config/ uses the dataplane, and seinectl's tables, cells and
# spawn for its CLI; agent/core uses pmd-config/ to apply a plan at start-up;
# hwoffload/ is a library of its own, and only its CLI, hwoffload/cli,
# borrows seinectl's tables).  seinectl/ talks to the agent over its control socket only: it
# includes nothing of the tree but itself (and OVS's headers).  An include against the direction fails, with the file and line.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1

# allowed FOLDER: the include prefixes a file of FOLDER may name.
allowed() {
    case $1 in
    agent/lib) echo "agent/lib/" ;;
    agent/model) echo "agent/lib/ agent/model/ dataplane/polflows.h" ;;
    agent/sources) echo "agent/lib/ agent/model/ agent/sources/" ;;
    agent/policy) echo "agent/lib/ agent/model/ agent/policy/ dataplane/" ;;
    agent/services) echo "agent/lib/ agent/model/ agent/services/ dataplane/" ;;
    agent/pods) echo "agent/lib/ agent/pods/ dataplane/ cni/cniproto.h hwoffload/" ;;
    agent/hostnet) echo "agent/lib/ agent/hostnet/ dataplane/" ;;
    agent/observe) echo "agent/lib/ agent/model/ agent/observe/ dataplane/" ;;
    agent/core | agent) echo "agent/ dataplane/ cni/cniproto.h pmd-config/" ;;
    dataplane) echo "dataplane/" ;;
    cni) echo "cni/" ;;
    seinectl) echo "seinectl/" ;;
    pmd-config) echo "pmd-config/ dataplane/ seinectl/table.h seinectl/render.h seinectl/spawn.h" ;;
    hwoffload) echo "hwoffload/" ;;
    hwoffload/cli) echo "hwoffload/ seinectl/table.h" ;;
    *) echo "any" ;;
    esac
}

failed=0
while IFS=: read -r file line inc; do
    inc=${inc#*\"}
    inc=${inc%%\"*}
    case $inc in agent/* | dataplane/* | cni/* | seinectl/* | pmd-config/* | hwoffload/*) ;; *) continue ;; esac
    dir=$(dirname "$file")
    ok=0
    for prefix in $(allowed "$dir"); do
        [ "$prefix" == any ] || [[ $inc == "$prefix"* ]] && { ok=1; break; }
    done
    if [ "$ok" == 0 ]; then
        echo "$file:$line: includes $inc, against the direction ($dir may include: $(allowed "$dir"))"
        failed=1
    fi
done < <(git ls-files '*.c' '*.h' | grep -E '^(agent|dataplane|cni|seinectl|pmd-config|hwoffload)/' \
             | xargs grep -n '^#include "' /dev/null)

[ "$failed" == 0 ] && echo "layers: every include goes the right way"
exit "$failed"
