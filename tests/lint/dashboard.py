#!/usr/bin/env python3
"""Checks that a Grafana dashboard asks Prometheus only for what seine-agent
exports.

    dashboard.py METRICS_C DASHBOARD_JSON [--promtool PROMTOOL]

The exported names come from METRICS_C (agent/core/agentmetrics.c): the
string literals passed as family names to promtext_family() and gauge(),
the names of the per-port counter table (PC(...)), the rows of a family
table ({ "NAME", PROMTEXT_TYPE, ... }) and the literals of a names[]
array.  A histogram family
(PROMTEXT_HISTOGRAM) exports NAME_bucket, NAME_sum and NAME_count, and
no series of its bare NAME.  Every
other "seine_..." literal in the file is an error too: it would be a family
written some other way, which this extraction does not see.

Every PromQL expression of the dashboard (each "expr" anywhere in it, and
the query of each query variable, label_values(METRIC, LABEL) included) is
cut into tokens; strings, label matchers {...}, ranges and subqueries
[...], numbers and durations, Grafana variables ($x, ${x}, [[x]]), the
label lists of by/without/on/ignoring/group_left/group_right, operators and
keywords are dropped, and an identifier followed by "(" must be a PromQL
function or aggregation.  What is left are metric names, each of which must
be exported, and an expression must name at least one.  With --promtool,
every expression (its variables replaced by sample values) also goes
through `promtool check rules`, which parses it as Prometheus does.

Also checked: the dashboard is JSON, its schemaVersion is at least 36, it
has a Prometheus "datasource" variable and a "node" variable, and every
panel id is unique.  Exit status 1 on any error.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

FUNCTIONS = {
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh",
    "atan", "atanh", "avg_over_time", "ceil", "changes", "clamp",
    "clamp_max", "clamp_min", "cos", "cosh", "count_over_time",
    "days_in_month", "day_of_month", "day_of_week", "day_of_year", "deg",
    "delta", "deriv", "exp", "floor", "histogram_count", "histogram_sum",
    "histogram_fraction", "histogram_quantile", "holt_winters", "hour",
    "idelta", "increase", "irate", "label_join", "label_replace", "last_over_time",
    "ln", "log10", "log2", "mad_over_time", "max_over_time", "min_over_time",
    "minute", "month", "pi", "predict_linear", "present_over_time",
    "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn",
    "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time",
    "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp",
    "vector", "year",
}
AGGREGATIONS = {
    "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
    "count_values", "bottomk", "topk", "quantile",
}
# Followed by a parenthesised list of label names.
GROUPING = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"}

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<number>0x[0-9a-fA-F]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[a-zA-Z]*)
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<punct>[(){}\[\],@])
  | (?P<op>==|!=|=~|!~|<=|>=|[-+*/%^<>=])
""", re.VERBOSE)

# Grafana's variables: ${name}, ${name:format}, $name, [[name]].
VARIABLE = re.compile(r"\$\{[^}]*\}|\$[a-zA-Z_][a-zA-Z0-9_]*|\[\[[^\]]*\]\]")


class Error(Exception):
    pass


def exported_names(path):
    """({series name: type}, {family: type}) of what agentmetrics.c
    writes."""
    with open(path, encoding="utf-8") as f:
        src = f.read()
    # Comments hold no family.
    src = re.sub(r"/\*.*?\*/|//[^\n]*", " ", src, flags=re.S)
    families = {}
    for m in re.finditer(
            r'\bpromtext_family\s*\(\s*[^,]+,\s*"([^"]+)"\s*,\s*PROMTEXT_(\w+)', src):
        families[m.group(1)] = m.group(2).lower()
    for m in re.finditer(r'\bgauge\s*\(\s*[^,]+,\s*"([^"]+)"', src):
        families.setdefault(m.group(1), "gauge")
    for m in re.finditer(r'\bPC\s*\(\s*"([^"]+)"', src):
        families.setdefault(m.group(1), "counter")
    # Rows of a family table: { "NAME", PROMTEXT_TYPE, ... }, and rows that
    # add series to the row above ({ "NAME", 0, NULL, ... }).
    for m in re.finditer(r'\{\s*"(seine_[^"]+)"\s*,\s*(?:PROMTEXT_(\w+)|0)\b', src):
        families.setdefault(m.group(1), (m.group(2) or "counter").lower())
    # An array of family names: counters when they end in _total.
    for m in re.finditer(r'\bnames\[\w*\]\s*=\s*\{([^}]*)\}', src):
        for name in re.findall(r'"(seine_[^"]+)"', m.group(1)):
            families.setdefault(name, "counter" if name.endswith("_total")
                                else "gauge")
    if not families:
        raise Error(f"{path}: no metric family found")
    unseen = sorted(set(re.findall(r'"(seine_[a-zA-Z0-9_:]*)"', src)) - set(families))
    if unseen:
        raise Error(f"{path}: metric-like literals not passed as a family name "
                    f"the extraction knows: {', '.join(unseen)}")
    # A histogram is queried by its series; its bare name holds none.
    names = {}
    for name, kind in families.items():
        if kind == "histogram":
            for suffix in ("_bucket", "_sum", "_count"):
                names[name + suffix] = "histogram series"
        else:
            names[name] = kind
    return names, families


def tokens(expr):
    pos = 0
    out = []
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise Error(f"cannot read {expr[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "space":
            out.append((m.lastgroup, m.group()))
    return out


def skip_group(toks, i, open_, close):
    """Index after the group opened at toks[i] (which is open_)."""
    depth = 0
    while i < len(toks):
        if toks[i] == ("punct", open_):
            depth += 1
        elif toks[i] == ("punct", close):
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise Error(f"unbalanced {open_}")


def metric_names(expr):
    """The metric names an expression reads."""
    toks = tokens(VARIABLE.sub("VAR", expr))
    names = []
    i = 0
    while i < len(toks):
        kind, text = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if kind == "punct" and text == "{":
            i = skip_group(toks, i, "{", "}")
            continue
        if kind == "punct" and text == "[":
            i = skip_group(toks, i, "[", "]")
            continue
        if kind != "ident":
            i += 1
            continue
        word = text
        if word in GROUPING:
            i += 1
            if i < len(toks) and toks[i] == ("punct", "("):
                i = skip_group(toks, i, "(", ")")
            continue
        if nxt == ("punct", "("):
            if word not in FUNCTIONS and word not in AGGREGATIONS:
                raise Error(f"{word}() is no PromQL function")
            i += 1
            continue
        if word in AGGREGATIONS and nxt and nxt[0] == "ident" and nxt[1] in ("by", "without"):
            i += 1
            continue
        if word.lower() in KEYWORDS or word == "VAR":
            i += 1
            continue
        names.append(word)
        i += 1
    return names


LABEL_VALUES = re.compile(r"^\s*label_values\s*\((.*)\)\s*$", re.S)
QUERY_RESULT = re.compile(r"^\s*query_result\s*\((.*)\)\s*$", re.S)


def variable_expr(query):
    """The PromQL of a variable's query, or None when it reads no series
    (label_values(LABEL), label_names())."""
    m = LABEL_VALUES.match(query)
    if m:
        args = m.group(1)
        # label_values(SELECTOR, LABEL): the selector is PromQL.
        depth = 0
        for j in range(len(args) - 1, -1, -1):
            c = args[j]
            if c in ")}]":
                depth += 1
            elif c in "({[":
                depth -= 1
            elif c == "," and depth == 0:
                return args[:j]
        return None
    m = QUERY_RESULT.match(query)
    if m:
        return m.group(1)
    if re.match(r"^\s*label_names\s*\(", query):
        return None
    return query


def expressions(dash):
    """(where, expr, needs_metric) of every PromQL expression."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            title = node.get("title")
            here = f"{where}/{title}" if isinstance(title, str) and title else where
            expr = node.get("expr")
            if isinstance(expr, str) and expr.strip():
                found.append((f"{here} [{node.get('refId', '?')}]", expr, True))
            for k, v in node.items():
                if k != "templating":
                    walk(v, here)
        elif isinstance(node, list):
            for v in node:
                walk(v, where)

    walk({k: v for k, v in dash.items() if k != "templating"}, "dashboard")
    for var in dash.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        q = var.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if isinstance(q, str) and q.strip():
            e = variable_expr(q)
            if e is not None:
                found.append((f"variable {var.get('name')}", e, True))
    return found


def check_shape(dash):
    errs = []
    if not isinstance(dash.get("schemaVersion"), int) or dash["schemaVersion"] < 36:
        errs.append(f"schemaVersion {dash.get('schemaVersion')!r}: at least 36")
    variables = {v.get("name"): v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        errs.append('no "datasource" variable of type datasource, query prometheus')
    if "node" not in variables:
        errs.append('no "node" variable')
    ids = []

    def panels(node):
        for p in node.get("panels", []) or []:
            ids.append(p.get("id"))
            panels(p)

    panels(dash)
    dup = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    if dup:
        errs.append(f"panel ids used twice: {dup}")
    if None in ids:
        errs.append("a panel without an id")
    return errs


def sample(expr):
    """The expression with Grafana's variables replaced, for promtool."""
    expr = re.sub(r"\$\{?__(rate_)?interval\}?|\$\{?__range\}?", "5m", expr)
    return VARIABLE.sub("sample", expr)


def promtool_check(promtool, exprs):
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:expr_{n}", "expr": sample(e)}
        for n, (_, e, _) in enumerate(exprs)]}]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(rules, f)  # JSON is YAML
    try:
        r = subprocess.run([promtool, "check", "rules", f.name],
                           capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    if r.returncode != 0:
        out = (r.stdout + r.stderr).strip()
        # Name the expression promtool refers to.
        for n in sorted({int(n) for n in re.findall(r"dashboard:expr_(\d+)", out)}):
            if n < len(exprs):
                out += f"\n  expr_{n} is {exprs[n][0]}: {exprs[n][1]}"
        return [f"promtool check rules:\n{out}"]
    return []


def main(argv):
    args = argv[1:]
    promtool = None
    if "--promtool" in args:
        i = args.index("--promtool")
        promtool = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    source, path = args
    try:
        names, families = exported_names(source)
    except Error as e:
        print(f"dashboard: {e}", file=sys.stderr)
        return 1
    try:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, ValueError) as e:
        print(f"{path}: not JSON: {e}", file=sys.stderr)
        return 1
    errs = [f"{path}: {e}" for e in check_shape(dash)]
    exprs = expressions(dash)
    used = set()
    for where, expr, needs in exprs:
        try:
            found = metric_names(expr)
        except Error as e:
            errs.append(f"{path}: {where}: {e}: {expr}")
            continue
        if needs and not found:
            errs.append(f"{path}: {where}: names no metric: {expr}")
        for name in found:
            used.add(name)
            if name not in names:
                errs.append(f"{path}: {where}: {name} is not a metric the agent "
                            f"exports: {expr}")
    if promtool and exprs:
        errs += [f"{path}: {e}" for e in promtool_check(promtool, exprs)]
    for e in errs:
        print(e, file=sys.stderr)
    used_families = {re.sub(r"_(bucket|sum|count)$", "", n)
                     if names.get(n) == "histogram series" else n
                     for n in used if n in names}
    print(f"dashboard: {len(exprs)} expressions, {len(used_families)} of the "
          f"{len(families)} exported families used; {len(errs)} errors")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
