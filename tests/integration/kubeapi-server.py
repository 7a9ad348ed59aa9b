#!/usr/bin/env python3
"""A test API server: what kube-apiserver serves to a node agent, over HTTPS.

    kubeapi-server.py --cert server.crt --key server.key --token TOKEN
                      [--listen 127.0.0.1:0] [--port-file FILE]
                      [--control SOCKET] [--log FILE] [--pidfile FILE]
                      [--objects FILE.json] [--page-default N]
                      [--history N] [--too-old event|http] [--cnp-crd]
                      [--cnp-versions v1beta1,v1alpha2]

Every request needs "Authorization: Bearer TOKEN"; anything else gets 401
and a Status (reason Unauthorized).  Only GET is served; bodies are JSON
shaped as the real API's.  --log gets one line per request:
"METHOD PATH?QUERY STATUS".

Resources (list, watch, and GET of one object):
    /api/v1/{namespaces,nodes}[/NAME]
    /api/v1/{pods,services}, /api/v1/namespaces/NS/{pods,services}[/NAME]
    /apis/networking.k8s.io/v1/networkpolicies (and .../namespaces/NS/...)
    /apis/discovery.k8s.io/v1/endpointslices (and .../namespaces/NS/...)
    /apis/policy.networking.k8s.io/VERSION/clusternetworkpolicies[/NAME]
        a CRD: 404 until installed (--cnp-crd or install-cnp-crd); VERSION
        is any of --cnp-versions, objects are served with that apiVersion
Discovery: /api, /api/v1, /apis, /apis/GROUP, /apis/GROUP/VERSION; also
/version, /healthz, /livez, /readyz.  Anything else: 404 Status NotFound.

Store: one resourceVersion counter for all kinds (an etcd revision, as a
decimal string); every write takes the next value.  Objects get uid and
creationTimestamp if they have none, namespaced ones namespace "default".
Each resource keeps its last --history events (default 1000); a watch or a
continue token from before the kept window is "too old".

List: items sorted by key (NAMESPACE/NAME), without kind and apiVersion
(custom resources keep theirs); metadata.resourceVersion is the list's
revision.  limit=N (default --page-default, 0 = no paging) pages the list:
metadata.continue (unpadded base64url JSON {"v","rv","start"}, as etcd3
storage makes it) and remainingItemCount (left out with selectors, as the real API does).
Later pages are served from the first page's revision; a token from before
the kept history gets 410 Expired with a continue token that goes on from
the current state.  resourceVersion=N above the current one: 504 Timeout.
fieldSelector (a=b, a==b, a!=b on dotted paths) and labelSelector (=, ==,
!=, in, notin, exists, !exists) filter lists and watches.

Watch (watch=1|true; resourceVersion, allowWatchBookmarks, timeoutSeconds,
default 1800): a chunked JSON stream, one event per line and per chunk,
{"type":..., "object":...} with kind and apiVersion.  Without
resourceVersion or with "0": ADDED for every current object, then live
events; with RV: every kept event after RV, then live ones.  An object
leaving a watch's selectors by an update is sent as DELETED (its previous
state at the update's revision), one entering it as ADDED.  DELETED events
carry the last state with the deletion's resourceVersion.  A too old RV is
answered, as --too-old says, with an ERROR event (Status 410 Expired, "too
old resource version: RV (OLDEST)") and the end of the stream ("event",
the default, as the watch cache does), or with HTTP 410 and that Status
("http").  The stream ends cleanly after timeoutSeconds.

Control (--control SOCKET, a unix stream socket): one JSON command per line,
one JSON reply line each, {"ok": true, ...} or {"ok": false, "error": ...}.
    {"op":"apply","object":{...}}      create or update (ADDED / MODIFIED;
                                       an identical object is left as is);
                                       reply carries resourceVersion
    {"op":"delete","kind":K,"namespace":NS,"name":N}   DELETED (namespace
                                       of a namespaced kind: default
                                       "default")
    {"op":"bookmark"}                  BOOKMARK at the current revision to
                                       every watch that allows bookmarks
    {"op":"compact"}                   history forgotten: every older RV
                                       and continue token is too old
    {"op":"expire-watches","mode":"event"|"http"}   compact, then "event":
                                       an ERROR 410 on every open watch and
                                       the end of it; "http": every open
                                       watch ends; --too-old becomes mode
    {"op":"drop"}                      every open watch: half an event line,
                                       then the TCP connection is closed
                                       without the final chunk
    {"op":"malformed"}                 every open watch: one line that is
                                       not JSON, then streaming goes on
    {"op":"trickle","bytes":N[,"pause_ms":20]}   watch data from now on in
                                       chunks of N bytes, pause_ms apart;
                                       0 = whole events again
    {"op":"disconnect"}                every connection reset; new ones are
                                       accepted and reset at once until
    {"op":"reconnect"}
    {"op":"token","value":T}           the bearer token required from now
    {"op":"install-cnp-crd"}           the policy.networking.k8s.io group
    {"op":"stats"}                     requests by verb (list, watch, get,
                                       discovery, unauthorized) and by
                                       resource, open watches (total and by
                                       resource), resourceVersion
    {"op":"wait-watches","count":N,"timeout":S[,"resource":R]}   replies
                                       once N watches (of R) are open; not
                                       ok after S seconds
    {"op":"get","kind":K,"namespace":NS,"name":N}   the stored object
SIGTERM or SIGINT: exit 0, the port file, control socket and pidfile removed.
"""

import argparse
import base64
import copy
import datetime
import json
import os
import queue
import re
import select
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# resource -> (group, kind, namespaced); versions: core v1, groups v1, the
# CRD its --cnp-versions.
RESOURCES = {
    "namespaces": ("", "Namespace", False),
    "nodes": ("", "Node", False),
    "pods": ("", "Pod", True),
    "services": ("", "Service", True),
    "networkpolicies": ("networking.k8s.io", "NetworkPolicy", True),
    "endpointslices": ("discovery.k8s.io", "EndpointSlice", True),
    "clusternetworkpolicies": ("policy.networking.k8s.io",
                               "ClusterNetworkPolicy", False),
    # The agent's own status object (deploy/seine.yml), written by
    # server-side apply (PATCH, application/apply-patch+yaml).
    "seineagentinfos": ("crd.seine.io", "SeineAgentInfo", False),
}
INFO_GROUP = "crd.seine.io"
KIND_TO_RESOURCE = {v[1]: k for k, v in RESOURCES.items()}
CNP_GROUP = "policy.networking.k8s.io"
SHORT = {"pods": ["po"], "services": ["svc"], "namespaces": ["ns"],
         "nodes": ["no"], "networkpolicies": ["netpol"],
         "clusternetworkpolicies": ["cnp"]}

CONTINUE_EXPIRED = (
    "The provided continue parameter is too old to display a consistent "
    "list result. You can start a new list without the continue parameter, "
    "or use the continue token in this response to retrieve the remainder "
    "of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in "
    "the list.")


def status(code, reason, message, details=None, metadata=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": metadata or {},
         "status": "Failure", "message": message, "reason": reason}
    if details is not None:
        s["details"] = details
    s["code"] = code
    return s


NOT_FOUND = status(404, "NotFound",
                   "the server could not find the requested resource", {})


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def api_version(resource, version=None):
    group = RESOURCES[resource][0]
    if not group:
        return "v1"
    if group == INFO_GROUP:
        return "%s/v1alpha1" % group
    return "%s/%s" % (group, version or "v1")


def obj_key(obj):
    md = obj["metadata"]
    return (md.get("namespace", ""), md["name"])


def key_string(key):
    return "%s/%s" % key if key[0] else key[1]


def lookup(obj, path):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return ""
        cur = cur[part]
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return "" if cur is None else str(cur)


class Selector:
    """fieldSelector and labelSelector, plus the namespace and name of the
    request path."""

    def __init__(self, namespace=None, name=None, fields="", labels=""):
        self.namespace = namespace
        self.name = name
        self.fields = []
        self.labels = []
        self.given = bool(fields or labels)
        for term in filter(None, (t.strip() for t in fields.split(","))):
            m = re.fullmatch(r"([^!=]+)(==|!=|=)(.*)", term)
            if not m:
                raise ValueError("invalid field selector: %r" % term)
            self.fields.append((m.group(1).strip(), m.group(2) == "!=",
                                m.group(3).strip()))
        for term in filter(None, (t.strip() for t in
                                  re.split(r",(?![^()]*\))", labels))):
            m = re.fullmatch(r"(\S+)\s+(in|notin)\s+\((.*)\)", term)
            if m:
                vals = {v.strip() for v in m.group(3).split(",")}
                self.labels.append((m.group(1), m.group(2), vals))
                continue
            m = re.fullmatch(r"([^!=\s]+)\s*(==|!=|=)\s*(\S*)", term)
            if m:
                op = "!=" if m.group(2) == "!=" else "="
                self.labels.append((m.group(1), op, m.group(3)))
                continue
            m = re.fullmatch(r"(!?)([^!=\s()]+)", term)
            if not m:
                raise ValueError("invalid label selector: %r" % term)
            self.labels.append((m.group(2), "!" if m.group(1) else "exists",
                                None))

    def match(self, obj):
        if obj is None:
            return False
        md = obj.get("metadata", {})
        if self.namespace is not None and md.get("namespace") != self.namespace:
            return False
        if self.name is not None and md.get("name") != self.name:
            return False
        for path, neg, val in self.fields:
            if (lookup(obj, path) == val) == neg:
                return False
        lab = md.get("labels") or {}
        for k, op, val in self.labels:
            ok = {"=": lambda: lab.get(k) == val,
                  "!=": lambda: lab.get(k) != val,
                  "in": lambda: lab.get(k) in val,
                  "notin": lambda: lab.get(k) not in val,
                  "exists": lambda: k in lab,
                  "!": lambda: k not in lab}[op]()
            if not ok:
                return False
        return True


class Event:
    __slots__ = ("rv", "type", "resource", "obj", "prev")

    def __init__(self, rv, type_, resource, obj, prev):
        self.rv, self.type, self.resource = rv, type_, resource
        self.obj, self.prev = obj, prev


class Watcher:
    def __init__(self, resource, version, selector, bookmarks, last_rv):
        self.resource = resource
        self.version = version
        self.selector = selector
        self.bookmarks = bookmarks
        self.last_rv = last_rv
        self.queue = queue.Queue()

    def offer(self, ev):
        """The event this watcher sees of ev, or None."""
        sel = self.selector
        if ev.type == "ADDED":
            return ("ADDED", ev.obj) if sel.match(ev.obj) else None
        if ev.type == "DELETED":
            return ("DELETED", ev.obj) if sel.match(ev.obj) else None
        cur, old = sel.match(ev.obj), sel.match(ev.prev)
        if cur:
            return ("MODIFIED" if old else "ADDED", ev.obj)
        if old:
            gone = copy.deepcopy(ev.prev)
            gone["metadata"]["resourceVersion"] = str(ev.rv)
            return ("DELETED", gone)
        return None


class TooOld(Exception):
    def __init__(self, oldest):
        super().__init__(oldest)
        self.oldest = oldest


class Store:
    def __init__(self, history):
        self.lock = threading.Condition()
        self.rv = 1
        self.objects = {r: {} for r in RESOURCES}
        self.history = {r: deque() for r in RESOURCES}
        self.compacted = {r: 0 for r in RESOURCES}
        self.max_history = history
        self.watchers = set()
        self.cnp_installed = False
        self.too_old = "event"
        self.trickle = (0, 0.02)
        self.counts = {}
        self.by_resource = {}

    def count(self, verb, resource=None):
        with self.lock:
            self.counts[verb] = self.counts.get(verb, 0) + 1
            if resource:
                r = self.by_resource.setdefault(resource, {})
                r[verb] = r.get(verb, 0) + 1

    # -- writes (lock held by the caller) --------------------------------
    def _record(self, ev):
        h = self.history[ev.resource]
        h.append(ev)
        while len(h) > self.max_history:
            self.compacted[ev.resource] = h.popleft().rv
        for w in self.watchers:
            if w.resource == ev.resource:
                w.queue.put(("event", ev))
        self.lock.notify_all()

    def apply(self, obj):
        obj = copy.deepcopy(obj)
        kind = obj.get("kind")
        resource = KIND_TO_RESOURCE.get(kind)
        if resource is None:
            raise ValueError("unknown kind %r" % kind)
        group, _, namespaced = RESOURCES[resource]
        md = obj.setdefault("metadata", {})
        if not md.get("name"):
            raise ValueError("metadata.name missing")
        if group == CNP_GROUP and not self.cnp_installed:
            raise ValueError("no matches for kind \"ClusterNetworkPolicy\" "
                             "in group \"%s\" (CRD not installed)" % group)
        obj.setdefault("apiVersion", api_version(resource))
        if namespaced:
            md.setdefault("namespace", "default")
        else:
            md.pop("namespace", None)
        key = obj_key(obj)
        with self.lock:
            prev = self.objects[resource].get(key)
            if prev is not None:
                md.setdefault("uid", prev["metadata"]["uid"])
                md.setdefault("creationTimestamp",
                              prev["metadata"]["creationTimestamp"])
                same = copy.deepcopy(obj)
                same["metadata"]["resourceVersion"] = \
                    prev["metadata"]["resourceVersion"]
                if same == prev:
                    return prev["metadata"]["resourceVersion"], False
            md.setdefault("uid", str(uuid.uuid4()))
            md.setdefault("creationTimestamp", now_rfc3339())
            self.rv += 1
            md["resourceVersion"] = str(self.rv)
            # Key order as the API writes it.
            out = {"kind": obj.pop("kind"), "apiVersion": obj.pop("apiVersion"),
                   "metadata": obj.pop("metadata")}
            out.update(obj)
            self.objects[resource][key] = out
            self._record(Event(self.rv, "MODIFIED" if prev else "ADDED",
                               resource, out, prev))
            return str(self.rv), True

    def delete(self, kind, namespace, name):
        resource = KIND_TO_RESOURCE.get(kind)
        if resource is None:
            raise ValueError("unknown kind %r" % kind)
        key = ((namespace or "default") if RESOURCES[resource][2] else "",
               name)
        with self.lock:
            prev = self.objects[resource].pop(key, None)
            if prev is None:
                raise LookupError("%s %s not found" % (kind, key_string(key)))
            self.rv += 1
            gone = copy.deepcopy(prev)
            gone["metadata"]["resourceVersion"] = str(self.rv)
            self._record(Event(self.rv, "DELETED", resource, gone, prev))
            return str(self.rv)

    def compact(self):
        with self.lock:
            for r in RESOURCES:
                self.history[r].clear()
                self.compacted[r] = self.rv

    def broadcast(self, item, pred=lambda w: True):
        with self.lock:
            n = 0
            for w in self.watchers:
                if pred(w):
                    w.queue.put(item)
                    n += 1
            return n

    # -- reads -----------------------------------------------------------
    def snapshot(self, resource, rv):
        """(objects at revision rv, rv); rv None: the current state."""
        with self.lock:
            objs = dict(self.objects[resource])
            if rv is None or rv >= self.rv:
                return objs, self.rv
            if rv < self.compacted[resource]:
                raise TooOld(self.compacted[resource])
            for ev in reversed(self.history[resource]):
                if ev.rv <= rv:
                    break
                key = obj_key(ev.obj)
                if ev.type == "ADDED":
                    objs.pop(key, None)
                else:
                    objs[key] = ev.prev
            return objs, rv

    def get(self, resource, key):
        with self.lock:
            return self.objects[resource].get(key)

    def watch(self, resource, version, selector, rv, bookmarks):
        """A registered Watcher with its backlog queued.  rv None: ADDED
        for every current object first."""
        with self.lock:
            if rv is not None and rv < self.compacted[resource]:
                raise TooOld(self.compacted[resource])
            w = Watcher(resource, version, selector, bookmarks, rv or self.rv)
            if rv is None:
                for key in sorted(self.objects[resource], key=key_string):
                    obj = self.objects[resource][key]
                    if selector.match(obj):
                        w.queue.put(("event", Event(
                            int(obj["metadata"]["resourceVersion"]), "ADDED",
                            resource, obj, None)))
            else:
                for ev in self.history[resource]:
                    if ev.rv > rv:
                        w.queue.put(("event", ev))
            self.watchers.add(w)
            self.lock.notify_all()
            return w

    def unwatch(self, w):
        with self.lock:
            self.watchers.discard(w)
            self.lock.notify_all()

    def open_watches(self, resource=None):
        return sum(1 for w in self.watchers
                   if resource is None or w.resource == resource)


def encode_continue(rv, start):
    return base64.urlsafe_b64encode(json.dumps(
        {"v": "meta.k8s.io/v1", "rv": rv, "start": start},
        separators=(",", ":")).encode()).decode().rstrip("=")


def decode_continue(token):
    try:
        d = json.loads(base64.urlsafe_b64decode(
            token + "=" * (-len(token) % 4)))
        if d.get("v") != "meta.k8s.io/v1" or not isinstance(d.get("rv"), int) \
                or not isinstance(d.get("start"), str):
            raise ValueError
        return d["rv"], d["start"]
    except Exception:
        raise ValueError("continue key is not valid: incorrect encoded start "
                         "resourceVersion (version meta.k8s.io/v1)")


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


class Conn:
    """The raw side of one client connection (for resets)."""

    def __init__(self, fd):
        self.fd = fd

    def reset(self):
        try:
            s = socket.socket(fileno=os.dup(self.fd))
        except OSError:
            return
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            s.close()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, ctx, store, args):
        self.ctx = ctx
        self.store = store
        self.args = args
        self.token = args.token
        self.disconnected = False
        self.conns = set()
        self.conns_lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.logf = open(args.log, "a", buffering=1) if args.log else None
        if ":" in addr[0]:
            self.address_family = socket.AF_INET6
        super().__init__(addr, Handler)

    def verify_request(self, request, client_address):
        if self.disconnected:
            try:
                request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                   struct.pack("ii", 1, 0))
            except OSError:
                pass
            return False
        return True

    def finish_request(self, request, client_address):
        conn = Conn(request.fileno())
        with self.conns_lock:
            self.conns.add(conn)
        try:
            request.settimeout(30)
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            with self.conns_lock:
                self.conns.discard(conn)
            return
        try:
            tls.settimeout(None)
            self.RequestHandlerClass(tls, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with self.conns_lock:
                self.conns.discard(conn)
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        pass

    def reset_all(self):
        with self.conns_lock:
            conns = list(self.conns)
        for c in conns:
            c.reset()

    def log(self, line):
        if self.logf:
            with self.log_lock:
                self.logf.write(line + "\n")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubeapi-server"
    sys_version = ""

    def log_request(self, code="-", size="-"):
        self.server.log("%s %s %s" % (self.command, self.path, code))

    def log_message(self, fmt, *args):
        pass

    # -- responses -------------------------------------------------------
    def reply(self, code, body, ctype="application/json"):
        data = (dumps(body) + "\n").encode() if ctype == "application/json" \
            else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def fail(self, st):
        self.reply(st["code"], st)

    def do_GET(self):
        try:
            self.route()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def do_method(self):
        self.server.log("%s %s 405" % (self.command, self.path))
        st = status(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested "
                    "resource", {})
        data = (dumps(st) + "\n").encode()
        self.send_response_only(405)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_PUT = do_DELETE = do_method

    def do_PATCH(self):
        """Server-side apply of a SeineAgentInfo (the only write served):
        the object is created or replaced by the one sent."""
        try:
            self.patch()
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True

    def patch(self):
        store = self.server.store
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Authorization", "") != \
                "Bearer " + self.server.token:
            store.count("unauthorized")
            return self.fail(status(401, "Unauthorized", "Unauthorized"))
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        q = parse_qs(url.query)
        if parts[:4] != ["apis", INFO_GROUP, "v1alpha1", "seineagentinfos"] \
                or len(parts) != 5:
            return self.do_method()
        if self.headers.get("Content-Type") != "application/apply-patch+yaml" \
                or not q.get("fieldManager"):
            return self.fail(status(415, "UnsupportedMediaType",
                                    "apply needs application/apply-patch+yaml "
                                    "and a fieldManager"))
        try:
            obj = json.loads(body)
        except ValueError as e:
            return self.fail(status(400, "BadRequest", str(e)))
        if obj.get("kind") != "SeineAgentInfo" \
                or obj.get("metadata", {}).get("name") != parts[4]:
            return self.fail(status(400, "BadRequest",
                                    "kind or metadata.name does not match"))
        store.count("patch")
        store.apply(obj)
        return self.reply(200, store.get("seineagentinfos", ("", parts[4])))

    def route(self):
        store = self.server.store
        auth = self.headers.get("Authorization", "")
        if auth != "Bearer " + self.server.token:
            store.count("unauthorized")
            return self.fail(status(401, "Unauthorized", "Unauthorized"))
        url = urlsplit(self.path)
        q = {k: v[-1] for k, v in parse_qs(url.query,
                                           keep_blank_values=True).items()}
        parts = [p for p in url.path.split("/") if p]
        if url.path in ("/healthz", "/livez", "/readyz"):
            store.count("discovery")
            return self.reply(200, "ok", "text/plain; charset=utf-8")
        if url.path == "/version":
            store.count("discovery")
            return self.reply(200, {
                "major": "1", "minor": "31", "gitVersion": "v1.31.0",
                "gitCommit": "0" * 40, "gitTreeState": "clean",
                "buildDate": "2024-08-13T07:28:49Z", "goVersion": "go1.22.5",
                "compiler": "gc", "platform": "linux/amd64"})
        if not parts or parts[0] not in ("api", "apis"):
            return self.fail(NOT_FOUND)
        if parts[0] == "api":
            group, rest = "", parts[1:]
        else:
            if len(parts) == 1:
                store.count("discovery")
                return self.reply(200, self.group_list())
            group, rest = parts[1], parts[2:]
        if not rest:
            store.count("discovery")
            if group == "":
                port = self.server.server_address[1]
                return self.reply(200, {
                    "kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{
                        "clientCIDR": "0.0.0.0/0",
                        "serverAddress": "127.0.0.1:%d" % port}]})
            g = self.group(group)
            return self.reply(200, g) if g else self.fail(NOT_FOUND)
        version, rest = rest[0], rest[1:]
        if version not in self.versions(group):
            return self.fail(NOT_FOUND)
        if not rest:
            store.count("discovery")
            return self.reply(200, self.resource_list(group, version))
        namespace = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        resource = rest[0]
        if resource not in RESOURCES or RESOURCES[resource][0] != group \
                or len(rest) > 2 \
                or (namespace is not None and not RESOURCES[resource][2]):
            return self.fail(NOT_FOUND)
        name = rest[1] if len(rest) == 2 else None
        watch = q.get("watch", "") in ("1", "true")
        try:
            sel = Selector(namespace, name if watch else None,
                           q.get("fieldSelector", ""),
                           q.get("labelSelector", ""))
        except ValueError as e:
            return self.fail(status(400, "BadRequest", str(e)))
        if watch:
            return self.watch(resource, version, sel, q)
        if name is not None:
            return self.get_one(resource, version, namespace, name)
        return self.list(resource, version, sel, q)

    # -- discovery -------------------------------------------------------
    def versions(self, group):
        if group == "":
            return ["v1"]
        if group == CNP_GROUP:
            return self.server.args.cnp_versions \
                if self.server.store.cnp_installed else []
        if group == INFO_GROUP:
            return ["v1alpha1"]
        if any(g == group for g, _, _ in RESOURCES.values()):
            return ["v1"]
        return []

    def group(self, name):
        vs = self.versions(name)
        if not vs:
            return None
        gvs = [{"groupVersion": "%s/%s" % (name, v), "version": v}
               for v in vs]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": name,
                "versions": gvs, "preferredVersion": gvs[0]}

    def group_list(self):
        names = []
        for g, _, _ in RESOURCES.values():
            if g and g not in names:
                names.append(g)
        groups = [self.group(n) for n in names]
        for g in groups:
            if g:
                del g["kind"], g["apiVersion"]
        return {"kind": "APIGroupList", "apiVersion": "v1",
                "groups": [g for g in groups if g]}

    def resource_list(self, group, version):
        out = []
        for r, (g, kind, namespaced) in RESOURCES.items():
            if g != group:
                continue
            e = {"name": r, "singularName": kind.lower(),
                 "namespaced": namespaced, "kind": kind,
                 "verbs": ["get", "list", "watch"]}
            if r in SHORT:
                e["shortNames"] = SHORT[r]
            out.append(e)
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": "%s/%s" % (group, version) if group else version,
                "resources": out}

    # -- objects ---------------------------------------------------------
    @staticmethod
    def shaped(obj, resource, version, in_list):
        """obj as served: CRDs under the requested version; list items of
        built-in kinds without kind and apiVersion."""
        out = dict(obj)
        if RESOURCES[resource][0] == CNP_GROUP:
            out["apiVersion"] = "%s/%s" % (CNP_GROUP, version)
        elif in_list:
            del out["kind"], out["apiVersion"]
        return out

    def get_one(self, resource, version, namespace, name):
        store = self.server.store
        store.count("get", resource)
        key = (namespace or "", name)
        if RESOURCES[resource][2] and namespace is None:
            return self.fail(NOT_FOUND)
        obj = store.get(resource, key)
        if obj is None:
            return self.fail(status(
                404, "NotFound", '%s "%s" not found' % (resource, name),
                {"name": name, "kind": resource}))
        self.reply(200, self.shaped(obj, resource, version, False))

    def list(self, resource, version, sel, q):
        store = self.server.store
        store.count("list", resource)
        try:
            limit = int(q.get("limit") or self.server.args.page_default)
        except ValueError:
            return self.fail(status(400, "BadRequest", "invalid limit"))
        start, rv = "", None
        if q.get("continue"):
            try:
                rv, start = decode_continue(q["continue"])
            except ValueError as e:
                return self.fail(status(400, "BadRequest", str(e)))
            if rv == -1:
                rv = None
        elif q.get("resourceVersion") not in (None, "", "0"):
            try:
                want = int(q["resourceVersion"])
            except ValueError:
                return self.fail(status(400, "BadRequest",
                                        "invalid resource version"))
            if want > store.rv:
                return self.fail(status(
                    504, "Timeout",
                    "Too large resource version: %d, current: %d"
                    % (want, store.rv),
                    {"causes": [{"reason": "ResourceVersionTooLarge",
                                 "message": "Too large resource version"}],
                     "retryAfterSeconds": 1}))
        try:
            objs, list_rv = store.snapshot(resource, rv)
        except TooOld:
            return self.fail(status(
                410, "Expired", CONTINUE_EXPIRED,
                metadata={"continue": encode_continue(-1, start)}))
        keys = sorted((k for k in objs if key_string(k) >= start),
                      key=key_string)
        items = [objs[k] for k in keys if sel.match(objs[k])]
        meta = {"resourceVersion": str(list_rv)}
        if limit > 0 and len(items) > limit:
            last = key_string(obj_key(items[limit - 1]))
            meta["continue"] = encode_continue(list_rv, last + "\x00")
            if not sel.given:
                meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        kind = RESOURCES[resource][1]
        self.reply(200, {
            "kind": kind + "List",
            "apiVersion": api_version(resource, version),
            "metadata": meta,
            "items": [self.shaped(o, resource, version, True) for o in items]})

    # -- watch -----------------------------------------------------------
    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def send_data(self, data):
        n, pause = self.server.store.trickle
        if n <= 0:
            return self.chunk(data)
        for i in range(0, len(data), n):
            self.chunk(data[i:i + n])
            time.sleep(pause)

    def send_event(self, type_, obj):
        data = (dumps({"type": type_, "object": obj}) + "\n").encode()
        self.send_data(data)

    def abort(self):
        """Ends the connection at once, without the final chunk."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            s = socket.socket(fileno=os.dup(self.connection.fileno()))
            s.shutdown(socket.SHUT_RDWR)
            s.close()
        except OSError:
            pass

    def peer_gone(self):
        p = select.poll()
        p.register(self.connection.fileno(),
                   select.POLLRDHUP | select.POLLHUP | select.POLLERR)
        return bool(p.poll(0))

    def watch(self, resource, version, sel, q):
        store = self.server.store
        store.count("watch", resource)
        rv_s = q.get("resourceVersion", "")
        try:
            rv = int(rv_s) if rv_s not in ("", "0") else None
            timeout = int(q.get("timeoutSeconds") or 1800)
        except ValueError:
            return self.fail(status(400, "BadRequest",
                                    "invalid resourceVersion or timeout"))
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        expired = None
        try:
            w = store.watch(resource, version, sel, rv, bookmarks)
        except TooOld as e:
            expired = status(410, "Expired", "too old resource version: %d (%d)"
                             % (rv, e.oldest))
            if store.too_old == "http":
                return self.fail(expired)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if expired:
            self.send_event("ERROR", expired)
            self.chunk(b"")
            return
        try:
            self.stream(w, time.monotonic() + timeout)
        finally:
            store.unwatch(w)

    def stream(self, w, deadline):
        store = self.server.store
        kind = RESOURCES[w.resource][1]
        av = api_version(w.resource, w.version)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.chunk(b"")
                return
            try:
                item = w.queue.get(timeout=min(left, 0.2))
            except queue.Empty:
                if self.peer_gone():
                    self.close_connection = True
                    return
                continue
            what = item[0]
            if what == "event":
                seen = w.offer(item[1])
                w.last_rv = max(w.last_rv, item[1].rv)
                if seen:
                    self.send_event(seen[0], self.shaped(
                        seen[1], w.resource, w.version, False))
            elif what == "bookmark":
                if w.bookmarks:
                    self.send_event("BOOKMARK", {
                        "kind": kind, "apiVersion": av,
                        "metadata": {"resourceVersion": str(item[1])}})
            elif what == "expire":
                self.send_event("ERROR", status(
                    410, "Expired", "too old resource version: %d (%d)"
                    % (w.last_rv, item[1])))
                self.chunk(b"")
                return
            elif what == "end":
                self.chunk(b"")
                return
            elif what == "malformed":
                self.send_data(b'{"type":"MODIFIED","object":{"kind":"%s",'
                               b'"metadata":{]}\n' % kind.encode())
            elif what == "drop":
                line = dumps({"type": "BOOKMARK", "object": {
                    "kind": kind, "apiVersion": av,
                    "metadata": {"resourceVersion": str(store.rv)}}}).encode()
                half = line[:len(line) // 2]
                self.wfile.write(b"%x\r\n%s" % (len(line) + 1, half))
                self.abort()
                return
            elif what == "cut":
                self.abort()
                return


class ControlHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            line = line.strip()
            if not line:
                continue
            try:
                reply = self.server.api.control(json.loads(line))
            except Exception as e:  # every failure is a reply
                reply = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
            self.wfile.write((dumps(reply) + "\n").encode())
            self.wfile.flush()


class ControlServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class Api:
    def __init__(self, server):
        self.server = server
        self.store = server.store

    def control(self, cmd):
        op = cmd.get("op")
        store = self.store
        if op == "apply":
            rv, changed = store.apply(cmd["object"])
            return {"ok": True, "resourceVersion": rv, "changed": changed}
        if op == "delete":
            return {"ok": True, "resourceVersion": store.delete(
                cmd["kind"], cmd.get("namespace"), cmd["name"])}
        if op == "get":
            resource = KIND_TO_RESOURCE[cmd["kind"]]
            ns = (cmd.get("namespace") or "default") \
                if RESOURCES[resource][2] else ""
            obj = store.get(resource, (ns, cmd["name"]))
            if obj is None:
                return {"ok": False, "error": "not found"}
            return {"ok": True, "object": obj}
        if op == "bookmark":
            with store.lock:
                n = store.broadcast(("bookmark", store.rv),
                                    lambda w: w.bookmarks)
            return {"ok": True, "watches": n, "resourceVersion": str(store.rv)}
        if op == "compact":
            store.compact()
            return {"ok": True, "resourceVersion": str(store.rv)}
        if op == "expire-watches":
            mode = cmd.get("mode", "event")
            if mode not in ("event", "http"):
                raise ValueError("mode is event or http")
            with store.lock:
                store.compact()
                store.too_old = mode
                n = store.broadcast(("expire", store.rv) if mode == "event"
                                    else ("end",))
            return {"ok": True, "watches": n}
        if op in ("drop", "malformed"):
            return {"ok": True, "watches": store.broadcast((op,))}
        if op == "trickle":
            n = int(cmd.get("bytes", 0))
            store.trickle = (n, float(cmd.get("pause_ms", 20)) / 1000)
            return {"ok": True}
        if op == "disconnect":
            self.server.disconnected = True
            n = store.broadcast(("cut",))
            self.server.reset_all()
            return {"ok": True, "watches": n}
        if op == "reconnect":
            self.server.disconnected = False
            return {"ok": True}
        if op == "token":
            self.server.token = str(cmd["value"])
            return {"ok": True}
        if op == "install-cnp-crd":
            store.cnp_installed = True
            return {"ok": True}
        if op == "stats":
            with store.lock:
                return {"ok": True, "requests": dict(store.counts),
                        "byResource": copy.deepcopy(store.by_resource),
                        "openWatches": store.open_watches(),
                        "openWatchesByResource": {
                            r: store.open_watches(r) for r in RESOURCES
                            if store.open_watches(r)},
                        "resourceVersion": str(store.rv)}
        if op == "wait-watches":
            want = int(cmd["count"])
            resource = cmd.get("resource")
            deadline = time.monotonic() + float(cmd.get("timeout", 10))
            with store.lock:
                while store.open_watches(resource) < want:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return {"ok": False, "error": "timeout: %d of %d "
                                "watches open" % (store.open_watches(resource),
                                                  want)}
                    store.lock.wait(left)
                return {"ok": True, "openWatches": store.open_watches(resource)}
        raise ValueError("unknown op %r" % op)


def main():
    ap = argparse.ArgumentParser(description="Test Kubernetes API server.")
    ap.add_argument("--listen", default="127.0.0.1:0")
    ap.add_argument("--port-file")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--control")
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    ap.add_argument("--objects")
    ap.add_argument("--page-default", type=int, default=0)
    ap.add_argument("--history", type=int, default=1000)
    ap.add_argument("--too-old", choices=("event", "http"), default="event")
    ap.add_argument("--cnp-crd", action="store_true")
    ap.add_argument("--cnp-versions", default="v1beta1,v1alpha2")
    args = ap.parse_args()
    args.cnp_versions = [v for v in args.cnp_versions.split(",") if v]

    store = Store(args.history)
    store.too_old = args.too_old
    store.cnp_installed = args.cnp_crd
    if args.objects:
        with open(args.objects) as f:
            objs = json.load(f)
        if not isinstance(objs, list):
            sys.exit("%s: not a JSON list" % args.objects)
        for o in objs:
            try:
                store.apply(o)
            except (ValueError, KeyError, TypeError) as e:
                sys.exit("%s: %s" % (args.objects, e))

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])
    host, _, port = args.listen.rpartition(":")
    server = Server((host.strip("[]"), int(port)), ctx, store, args)

    ctl = None
    if args.control:
        if os.path.exists(args.control):
            os.unlink(args.control)
        ctl = ControlServer(args.control, ControlHandler)
        ctl.api = Api(server)
        threading.Thread(target=ctl.serve_forever, daemon=True).start()

    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write("%d\n" % os.getpid())
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % server.server_address[1])
        os.rename(tmp, args.port_file)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        for f in (args.port_file, args.control, args.pidfile):
            if f:
                try:
                    os.unlink(f)
                except OSError:
                    pass


if __name__ == "__main__":
    main()
