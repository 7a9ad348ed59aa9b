/*
 * bundle: seinectl supportbundle, a tar.gz of everything a support
 * engineer needs from one node (docs/observability.md, "Support bundle"):
 * the agent's configuration, log tail, model, state source and every
 * ctl/... answer; OVSDB, the bridge's flows and groups, ovs-vswitchd's
 * datapath counters; the host's links, addresses, routes and nftables
 * (of the network namespace seinectl runs in); versions.  Each item is a
 * file, and index.json says where each came from and whether it could be
 * had: a failing item is recorded, not fatal.  Every file goes through
 * redact.h; files the configuration names as secrets are never read.
 *
 * Items are collected one after another in a temporary folder, which is
 * archived with tar(1) and removed.
 */
#ifndef SEINECTL_BUNDLE_H
#define SEINECTL_BUNDLE_H 1

struct ctl_opts;

/* Seconds each item may take. */
#define BUNDLE_ITEM_TIMEOUT_MS 10000

/* Writes the bundle 'opts' asks for (socket, output_file, lines).
 * CTL_EXIT_OK; CTL_EXIT_UNREACHABLE when the agent could not be reached
 * (the bundle is still written, with the agent's items failed); or
 * CTL_EXIT_ERROR when no bundle could be written.  Says on stderr what it
 * wrote, or why not. */
int bundle_run(const struct ctl_opts *opts);

#endif /* seinectl/bundle.h */
