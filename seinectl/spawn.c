#include <config.h>
#include "seinectl/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "openvswitch/dynamic-string.h"
#include "util.h"

/* In the child: stdin from /dev/null, stdout and stderr to the files,
 * a process group of its own (so that a timeout kills what it started),
 * then the program.  Only async-signal-safe calls after fork. */
static void OVS_NO_RETURN
child(char *const argv[], int out_fd, int err_fd)
{
    int null_fd = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0
        || dup2(err_fd, 2) < 0) {
        _exit(126);
    }
    execvp(argv[0], argv);
    _exit(127);
}

/* Waits for 'pid' at most 'timeout_ms'; true with its status in
 * '*statusp', false when it was killed for taking too long. */
static bool
wait_child(pid_t pid, int timeout_ms, int *statusp)
{
    const struct timespec tick = { 0, 10 * 1000 * 1000 };

    for (int waited = 0; waited < timeout_ms; waited += 10) {
        pid_t r = waitpid(pid, statusp, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR)) {
            return true;
        }
        nanosleep(&tick, NULL);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, statusp, 0) < 0 && errno == EINTR) {
        continue;
    }
    return false;
}

static void
read_all(FILE *f, struct ds *s)
{
    char buf[4096];
    size_t n;

    rewind(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        ds_put_buffer(s, buf, n);
    }
}

/* Why the program failed: 'status' and the first line of its stderr. */
static char *
failure(const char *prog, int status, FILE *err_file)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ds err = DS_EMPTY_INITIALIZER;

    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        ds_put_format(&s, "%s: not found or not executable", prog);
    } else if (WIFEXITED(status)) {
        ds_put_format(&s, "%s: exit status %d", prog, WEXITSTATUS(status));
    } else {
        ds_put_format(&s, "%s: killed by signal %d", prog,
                      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    read_all(err_file, &err);
    char *eol = strchr(ds_cstr(&err), '\n');
    if (eol) {
        *eol = '\0';
    }
    if (*ds_cstr(&err)) {
        ds_put_format(&s, ": %s", ds_cstr(&err));
    }
    ds_destroy(&err);
    return ds_steal_cstr(&s);
}

/* Starts 'argv' with its output to the files; its pid, or -1 with why in
 * '*errp'. */
static pid_t
start(char *const argv[], FILE *out_file, FILE *err_file, char **errp)
{
    if (!out_file || !err_file) {
        *errp = xasprintf("%s: cannot create its output files: %s", argv[0],
                          ovs_strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        child(argv, fileno(out_file), fileno(err_file));
    } else if (pid < 0) {
        *errp = xasprintf("%s: cannot start: %s", argv[0],
                          ovs_strerror(errno));
        return -1;
    }
    /* Also here: a timeout may come before the child has run. */
    setpgid(pid, pid);
    return pid;
}

int
spawn_run(char *const argv[], int timeout_ms, struct ds *out, char **errp)
{
    FILE *out_file = tmpfile(), *err_file = tmpfile();
    int status = 0, rc = -1;
    pid_t pid;

    *errp = NULL;
    pid = start(argv, out_file, err_file, errp);
    if (pid < 0) {
        /* '*errp' says why. */
    } else if (!wait_child(pid, timeout_ms, &status)) {
        *errp = xasprintf("%s: no answer in %d s, killed", argv[0],
                          timeout_ms / 1000);
    } else if (WIFEXITED(status) && !WEXITSTATUS(status)) {
        rc = 0;
    } else {
        *errp = failure(argv[0], status, err_file);
    }
    if (out_file) {
        read_all(out_file, out);
        fclose(out_file);
    }
    if (err_file) {
        fclose(err_file);
    }
    return rc;
}
