#!/usr/bin/env python3
"""Sends commands to kubeapi-server.py's control socket.

    kubeapi-ctl.py [--socket PATH] CMD_JSON...

PATH defaults to $KUBEAPI_CONTROL.  Each CMD_JSON is sent as one line and
its reply printed as one line; the exit status is 1 if any reply is not
{"ok": true, ...} (the remaining commands are not sent), 2 on a usage or
connection error.
"""

import json
import os
import socket
import sys


def main(argv):
    path = os.environ.get("KUBEAPI_CONTROL")
    if len(argv) >= 2 and argv[0] == "--socket":
        path, argv = argv[1], argv[2:]
    if not path or not argv:
        sys.stderr.write(__doc__)
        return 2
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
    except OSError as e:
        sys.stderr.write("kubeapi-ctl: %s: %s\n" % (path, e))
        return 2
    f = s.makefile("rwb")
    for cmd in argv:
        f.write(cmd.encode() + b"\n")
        f.flush()
        line = f.readline()
        if not line:
            sys.stderr.write("kubeapi-ctl: connection closed\n")
            return 2
        sys.stdout.write(line.decode())
        try:
            ok = json.loads(line).get("ok") is True
        except ValueError:
            ok = False
        if not ok:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
