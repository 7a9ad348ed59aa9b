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

echo "shellcheck: ${#scripts[@]} scripts"
shellcheck -x "${scripts[@]}"
echo "shellcheck: no findings"
