#!/usr/bin/env bash
# Every shell script of the tree through shellcheck (warnings, infos and
# style alike), following the files each one sources.  A script is a file
# ending in .sh or one whose first line names bash or sh.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
cd "$top" || exit 1
command -v shellcheck >/dev/null || { echo "shellcheck is not installed"; exit 77; }

scripts=()
while IFS= read -r f; do
    case $f in
    *.sh) scripts+=("$f") ;;
    *) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*\b(ba)?sh\b' && scripts+=("$f") ;;
    esac
done < <(git ls-files 2>/dev/null || find . -type f -not -path './.git/*' -not -path './build*' | sed 's|^\./||')

# One shellcheck per script, as many at a time as there are cores: each
# follows lib.sh and checks.sh again, which makes one run of them all take
# minutes on one core.
echo "shellcheck: ${#scripts[@]} scripts"
printf '%s\0' "${scripts[@]}" | xargs -0 -n 1 -P "$(nproc)" shellcheck -x
echo "shellcheck: no findings"
