/*
 * kubeconfig: where the Kubernetes API server is and how to authenticate
 * to it, read either from a pod's service-account folder (in-cluster) or
 * from a kubeconfig file as kubectl reads it.  The result is a plain struct
 * an HTTP client applies as it is: PEM given inline ("-data" fields) stays
 * in memory, for libcurl's CURLOPT_*_BLOB options, and is never written to
 * a temporary file.
 *
 * Every function returns 0 or -errno; on error '*err' says what is wrong,
 * naming the file, the line when there is one, and the field (caller
 * frees).  A reader that fails leaves the struct empty, so that
 * kubeconfig_destroy() is harmless either way.
 */
#ifndef KUBECONFIG_H
#define KUBECONFIG_H 1

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Where the kubelet mounts a pod's service-account token, CA bundle and
 * namespace. */
#define KUBECONFIG_SERVICEACCOUNT_DIR \
    "/var/run/secrets/kubernetes.io/serviceaccount"

/* What identifies one version of a token file, to notice a rotation. */
struct kubeconfig_stamp {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct kubeconfig {
    char *server;               /* "https://HOST:PORT[/PATH]", no final '/' */
    char *namespace;            /* the context's, else "default" */

    /* The server's certificate is checked against 'ca_file' or 'ca_pem'
     * (at most one is set; neither: the system's CAs), unless 'insecure',
     * which only kubeconfig_load() with 'allow_insecure' can set. */
    char *ca_file;
    char *ca_pem;
    bool insecure;

    /* The bearer token, or NULL.  With 'token_file' it is that file's
     * content as of 'token_stamp': read it through kubeconfig_token(). */
    char *token;
    char *token_file;
    struct kubeconfig_stamp token_stamp;

    /* The client certificate and its key, each as a file or inline PEM;
     * either both or neither are set. */
    char *cert_file, *key_file;
    char *cert_pem, *key_pem;
};

struct kubeconfig_options {
    const char *context;        /* NULL: the file's current-context */
    /* Accepts "insecure-skip-tls-verify: true" and http:// servers. */
    bool allow_insecure;
};

/* Reads the kubeconfig file at 'path' ('options' may be NULL).  Relative
 * file names in it are taken from the kubeconfig's folder, as kubectl does.
 * Authentication kubectl would run a program or a plugin for (exec,
 * auth-provider), basic authentication and impersonation are refused, as
 * is naming both a file and inline data for the same thing. */
int kubeconfig_load(const char *path, const struct kubeconfig_options *,
                    struct kubeconfig *, char **err);
/* The same for the 'len' bytes of 'text', read elsewhere from 'path':
 * 'path' names it in errors and gives the folder of relative names. */
int kubeconfig_parse(const char *path, const char *text, size_t len,
                     const struct kubeconfig_options *, struct kubeconfig *,
                     char **err);

/* Looks up environment variable 'name' (NULL if unset). */
typedef const char *kubeconfig_getenv_func(const char *name, void *aux);

/* Builds the configuration a pod uses for its own API server: 'dir' holds
 * token, ca.crt and namespace (KUBECONFIG_SERVICEACCOUNT_DIR in a pod; a
 * missing namespace file means "default"), and KUBERNETES_SERVICE_HOST and
 * KUBERNETES_SERVICE_PORT, read through 'getenv' ('aux' passed along; NULL
 * reads the process environment), give the server. */
int kubeconfig_in_cluster(const char *dir, kubeconfig_getenv_func *getenv,
                          void *aux, struct kubeconfig *, char **err);

/* Stores in '*tokenp' the bearer token to send (NULL if there is none).  A
 * token from a file is read again when the file changed (another inode,
 * size or mtime: the kubelet rotates bound tokens hourly) or when 'force'
 * is true, for the one retry after a 401.  If the file cannot be read, the
 * previous token is kept in '*tokenp' and an error is returned. */
int kubeconfig_token(struct kubeconfig *, const char **tokenp, bool force,
                     char **err);

void kubeconfig_destroy(struct kubeconfig *);

#endif /* kubeconfig.h */
