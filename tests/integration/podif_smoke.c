/* podif_smoke: drives the podif module from the command line so that
 * test-podif.sh can check its effects with ip(8) and ethtool(8).
 *
 * Exit status: 0 on success, else the errno the call returned (EEXIST is
 * 17), so the script can tell one failure from another. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/pods/podif.h"
#include "agent/lib/hostlink.h"
#include "util.h"

/* The pod-side arguments shared by several commands:
 * NETNS IFNAME IP/PREFIX GATEWAY MTU MAC */
#define SPEC_ARGS 6

static int
parse_spec(char **argv, struct podif_spec *spec)
{
    char ip[INET_ADDRSTRLEN];
    uint8_t *m = spec->mac.b;
    char extra;

    memset(spec, 0, sizeof *spec);
    spec->netns_path = argv[0];
    spec->ifname = argv[1];
    if (sscanf(argv[2], "%15[0-9.]/%d%c", ip, &spec->prefix_len,
               &extra) != 2
        || inet_pton(AF_INET, ip, &spec->ip) != 1
        || inet_pton(AF_INET, argv[3], &spec->gateway) != 1
        || sscanf(argv[4], "%d%c", &spec->mtu, &extra) != 1
        || sscanf(argv[5], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &m[0], &m[1],
                  &m[2], &m[3], &m[4], &m[5], &extra) != 6) {
        fprintf(stderr, "podif_smoke: bad interface arguments\n");
        return -EINVAL;
    }
    return 0;
}

static int
cmd_create(char **argv)
{
    struct podif_spec spec;
    int error = parse_spec(argv + 1, &spec);

    spec.host_ifname = argv[0];
    return error ? error : podif_create_veth(&spec);
}

static int
cmd_setup_moved(char **argv)
{
    struct podif_spec spec;
    int error = parse_spec(argv + 1, &spec);

    return error ? error : podif_setup_moved(&spec, argv[0]);
}

static int
cmd_check(char **argv)
{
    struct podif_spec spec;
    char *why = NULL;
    int error = parse_spec(argv, &spec);

    if (!error) {
        error = podif_check(&spec, &why);
    }
    if (why) {
        fprintf(stderr, "podif_smoke: check: %s\n", why);
    }
    free(why);
    return error;
}

static int
cmd_move(char **argv)
{
    return podif_move_to_netns(argv[0], argv[1]);
}

static int
cmd_delete_host(char **argv)
{
    return podif_delete_host(argv[0]);
}

static int
cmd_delete_in(char **argv)
{
    return podif_delete_in_netns(argv[0], argv[1]);
}

static void
print_mac(const uint8_t mac[6])
{
    printf("%02x:%02x:%02x:%02x:%02x:%02x\n",
           mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static int
cmd_host_addr(char **argv)
{
    char ip_text[INET_ADDRSTRLEN];
    struct in_addr ip;
    int prefix_len, mtu;
    uint8_t mac[6];
    char extra;

    if (sscanf(argv[1], "%15[0-9.]/%d%c", ip_text, &prefix_len,
               &extra) != 2
        || inet_pton(AF_INET, ip_text, &ip) != 1
        || sscanf(argv[2], "%d%c", &mtu, &extra) != 1) {
        return -EINVAL;
    }
    int error = hostlink_set_addr(argv[0], ip, prefix_len, mtu, mac);
    if (!error) {
        print_mac(mac);
    }
    return error;
}

static int
cmd_host_mac(char **argv)
{
    uint8_t mac[6];
    int error = hostlink_get_mac(argv[0], mac);

    if (!error) {
        print_mac(mac);
    }
    return error;
}

static int
cmd_host_exists(char **argv)
{
    return hostlink_exists(argv[0]) ? 0 : -ENODEV;
}

struct command {
    const char *name;
    int n_args;
    const char *usage;
    int (*run)(char **argv);
};

static const struct command commands[] = {
    { "create", 1 + SPEC_ARGS,
      "HOSTIF NETNS IFNAME IP/PREFIX GATEWAY MTU MAC", cmd_create },
    { "setup-moved", 1 + SPEC_ARGS,
      "MOVED NETNS IFNAME IP/PREFIX GATEWAY MTU MAC", cmd_setup_moved },
    { "check", SPEC_ARGS, "NETNS IFNAME IP/PREFIX GATEWAY MTU MAC",
      cmd_check },
    { "move", 2, "NAME NETNS", cmd_move },
    { "delete-host", 1, "HOSTIF", cmd_delete_host },
    { "delete-in", 2, "NETNS IFNAME", cmd_delete_in },
    { "host-addr", 3, "NAME IP/PREFIX MTU", cmd_host_addr },
    { "host-mac", 1, "NAME", cmd_host_mac },
    { "host-exists", 1, "NAME", cmd_host_exists },
};

static void
usage(FILE *stream)
{
    fprintf(stream, "usage:\n");
    for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
        fprintf(stream, "  podif_smoke %s %s\n", commands[i].name,
                commands[i].usage);
    }
}

int
main(int argc, char *argv[])
{
    if (argc == 2 && !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; argc >= 2 && i < ARRAY_SIZE(commands); i++) {
        const struct command *c = &commands[i];

        if (strcmp(argv[1], c->name)) {
            continue;
        }
        if (argc - 2 != c->n_args) {
            break;
        }
        int error = c->run(argv + 2);
        if (error) {
            fprintf(stderr, "podif_smoke: %s: %s\n", c->name,
                    ovs_strerror(-error));
        }
        return -error;
    }
    usage(stderr);
    return EINVAL;
}
