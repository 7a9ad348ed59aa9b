#include <config.h>
#include "pmd-config/pmdswitch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/vswitchctl.h"
#include "openvswitch/poll-loop.h"
#include "util.h"

int
pmdswitch_ask(const char *rundir, const char *const *cmds, size_t n,
              int timeout_ms, char **answers)
{
    struct vswitchctl_query **q = xcalloc(MAX(n, 1), sizeof *q);
    int result = 0;
    bool waiting;

    for (size_t i = 0; i < n; i++) {
        answers[i] = NULL;
        q[i] = vswitchctl_query_start(rundir, cmds[i], timeout_ms);
        result = result ? result : q[i] ? 0 : -ECONNREFUSED;
    }
    do {
        waiting = false;
        for (size_t i = 0; i < n; i++) {
            int error = q[i] ? vswitchctl_query_finish(q[i], &answers[i])
                             : 0;
            if (error == -EINPROGRESS) {
                vswitchctl_query_wait(q[i]);
                waiting = true;
                continue;
            }
            q[i] = NULL;
            if (error) {
                free(answers[i]);
                answers[i] = NULL;
                result = result ? result : error;
            }
        }
        if (waiting) {
            poll_block();
        }
    } while (waiting);
    free(q);
    return result;
}

char *
pmdswitch_version(const char *rundir, int timeout_ms)
{
    static const char *const cmd[] = { "version" };
    char *answer, *version = NULL;

    if (!pmdswitch_ask(rundir, cmd, 1, timeout_ms, &answer)) {
        const char *paren = strrchr(answer, ')');
        const char *v = paren ? paren + 1 : answer;
        v += strspn(v, " ");
        version = xmemdup0(v, strcspn(v, " \n"));
    }
    free(answer);
    return version;
}
