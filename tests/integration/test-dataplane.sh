#!/bin/bash
# Runs the dataplane smoke program (argument 1) against a private
# ovsdb-server and ovs-vswitchd, started inside a network namespace this
# script creates and deletes.  Needs root.

smoke=$(realpath "$1")
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"
seine_test_begin dataplane
# A node with OVS only: the smoke program plays the agent.
seine_node_start --no-agent
dir=$(seine_node_dir)
in_ns() { seine_node_exec "$@"; }

in_ns "$smoke" "unix:$dir/db.sock" "$dir"
