#!/usr/bin/env bash
# No C code of Seine's programs hands a string to a shell: no system(),
# popen() or wordexp() (which runs command substitutions), and no
# "/bin/sh", "sh", "bash" or "-c" literal to exec one with.  Programs run
# with an argv of their own (seinectl/spawn's execvp), so nothing a pod, a
# manifest or a configuration value holds is ever parsed as a command.
# Comments are left out of the search.  Before the tree, the check runs on
# a few lines it must flag and one it must not, so a broken pattern fails
# here instead of passing everything.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
dirs=(agent cni dataplane seinectl pmd-config hwoffload)

calls='\b(system|popen|wordexp)[[:space:]]*\('
shells='"(/bin/|/usr/bin/)?(ba)?sh"|"-c"'

# findings ROOT: "file:line: code" for each use under ROOT's folders.
findings() {
    local root=$1 d files=()
    for d in "${dirs[@]}"; do
        [ -d "$root/$d" ] || continue
        while IFS= read -r f; do files+=("$f"); done \
            < <(find "$root/$d" -name '*.[ch]' | sort)
    done
    [ ${#files[@]} -gt 0 ] || return 0
    # Block comments, then line comments, blanked line by line so line
    # numbers stay right.
    awk '
        FNR == 1 { inc = 0 }
        {
            line = $0; out = ""
            while (line != "") {
                if (inc) {
                    e = index(line, "*/")
                    if (!e) { line = ""; break }
                    line = substr(line, e + 2); inc = 0
                } else {
                    s = index(line, "/*")
                    if (!s) { out = out line; line = ""; break }
                    out = out substr(line, 1, s - 1)
                    line = substr(line, s + 2); inc = 1
                }
            }
            sub(/\/\/.*/, "", out)
            print FILENAME ":" FNR ": " out
        }' "${files[@]}" | grep -E "^[^:]+:[0-9]+: .*($calls|$shells)" \
        | sed "s|^$root/||" || true
}

self_test() {
    local t
    t=$(mktemp -d)
    trap 'rm -rf "$t"' RETURN
    mkdir -p "$t/agent" "$t/cni"
    cat >"$t/agent/bad.c" <<'EOF'
int a(void) { return system("ovs-appctl exit"); }
void b(void) { FILE *f = popen("ls", "r"); }
void c(void) { execl("/bin/sh", "sh", "-c", cmd, (char *) NULL); }
void d(void) { char *argv[] = { "bash", "-c", cmd, NULL }; execvp(argv[0], argv); }
EOF
    cat >"$t/cni/good.c" <<'EOF'
/* Not system("x"), only a comment. */
void e(void) { char *argv[] = { "ovs-appctl", "-t", path, NULL }; execvp(argv[0], argv); } // popen("x")
int filesystem(void);
EOF
    local got
    got=$(findings "$t" | cut -d: -f1,2 | tr '\n' ' ')
    if [ "$got" != "agent/bad.c:1 agent/bad.c:2 agent/bad.c:3 agent/bad.c:4 " ]; then
        echo "noshell: the check itself is broken: flagged '$got'," \
            "want agent/bad.c lines 1 to 4 and nothing of cni/good.c"
        return 1
    fi
}

self_test
out=$(findings "$top")
if [ -n "$out" ]; then
    echo "noshell: a shell or a command string in C code (run programs with an argv, as seinectl/spawn does):"
    printf '%s\n' "$out"
    exit 1
fi
echo "noshell: no shell in ${dirs[*]}"
