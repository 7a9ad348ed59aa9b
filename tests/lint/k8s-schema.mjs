// Validates Kubernetes manifests against the Kubernetes OpenAPI schemas
// (the kubernetes-models package).  Usage:
//   node k8s-schema.mjs MODULES_DIR FILE...
// MODULES_DIR holds node_modules with kubernetes-models and js-yaml.  Every
// document of every file is checked: a kind of kubernetes-models by its
// class (apiVersion GROUP/VERSION or VERSION, kind), a
// NetworkAttachmentDefinition (k8s.cni.cncf.io/v1, a CRD kind that
// kubernetes-models lacks) by its fields and its spec.config, which must be
// a JSON object (or conflist) whose plugin type is "seine", and a
// ServiceMonitor (monitoring.coreos.com/v1, the Prometheus Operator's CRD
// kind) by its shape: metadata.name, spec.selector a label selector,
// spec.endpoints a non-empty list whose items name a port (or a
// targetPort), with an http or https scheme when one is given.  Any other
// apiVersion/kind is an error.  Exit status 1 if anything fails.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const [modules, ...files] = process.argv.slice(2);
if (!modules || files.length === 0) {
  console.error("usage: node k8s-schema.mjs MODULES_DIR FILE...");
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(modules), "package.json"));
const yaml = require("js-yaml");

function checkNad(doc) {
  const errs = [];
  if (!doc.metadata || typeof doc.metadata.name !== "string" || !doc.metadata.name) {
    errs.push("metadata.name is required");
  }
  const config = doc.spec && doc.spec.config;
  if (typeof config !== "string") {
    errs.push("spec.config must be a string holding JSON");
    return errs;
  }
  let net;
  try {
    net = JSON.parse(config);
  } catch (e) {
    errs.push(`spec.config is not JSON: ${e.message}`);
    return errs;
  }
  if (net === null || typeof net !== "object" || Array.isArray(net)) {
    errs.push("spec.config must be a JSON object");
    return errs;
  }
  const plugins = Array.isArray(net.plugins) ? net.plugins : [net];
  if (typeof net.cniVersion !== "string") errs.push("spec.config: cniVersion is required");
  if (typeof net.name !== "string") errs.push("spec.config: name is required");
  if (!plugins.length || plugins[0].type !== "seine") {
    errs.push(`spec.config: type must be "seine" (is ${JSON.stringify(plugins[0] && plugins[0].type)})`);
  }
  return errs;
}

function isMapping(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function checkServiceMonitor(doc) {
  const errs = [];
  if (!isMapping(doc.metadata) || typeof doc.metadata.name !== "string" || !doc.metadata.name) {
    errs.push("metadata.name is required");
  }
  const spec = doc.spec;
  if (!isMapping(spec)) {
    errs.push("spec is required");
    return errs;
  }
  const sel = spec.selector;
  if (!isMapping(sel)) {
    errs.push("spec.selector is required (a label selector)");
  } else {
    if (sel.matchLabels !== undefined &&
        (!isMapping(sel.matchLabels) ||
         Object.values(sel.matchLabels).some((v) => typeof v !== "string"))) {
      errs.push("spec.selector.matchLabels must map label names to strings");
    }
    if (sel.matchExpressions !== undefined && !Array.isArray(sel.matchExpressions)) {
      errs.push("spec.selector.matchExpressions must be a list");
    }
    if (sel.matchLabels === undefined && sel.matchExpressions === undefined) {
      errs.push("spec.selector selects nothing: matchLabels or matchExpressions");
    }
  }
  if (!Array.isArray(spec.endpoints) || spec.endpoints.length === 0) {
    errs.push("spec.endpoints must be a non-empty list");
    return errs;
  }
  spec.endpoints.forEach((ep, i) => {
    if (!isMapping(ep)) {
      errs.push(`spec.endpoints[${i}] must be a mapping`);
      return;
    }
    const hasPort = typeof ep.port === "string" && ep.port !== "";
    const hasTarget = ep.targetPort !== undefined;
    if (!hasPort && !hasTarget) {
      errs.push(`spec.endpoints[${i}].port (the Service port's name) is required`);
    }
    if (ep.port !== undefined && typeof ep.port !== "string") {
      errs.push(`spec.endpoints[${i}].port must be a port name (a string)`);
    }
    if (ep.scheme !== undefined && !["http", "https"].includes(ep.scheme)) {
      errs.push(`spec.endpoints[${i}].scheme must be http or https`);
    }
  });
  return errs;
}

function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return null;
  let mod;
  try {
    mod = require(`kubernetes-models/${apiVersion}`);
  } catch {
    return null;
  }
  return typeof mod[kind] === "function" ? mod[kind] : null;
}

let failures = 0;
let checked = 0;
for (const file of files) {
  let docs;
  try {
    docs = yaml.loadAll(readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`${file}: not YAML: ${e.message}`);
    failures++;
    continue;
  }
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const where = `${file}: document ${i + 1}`;
    if (typeof doc !== "object" || Array.isArray(doc)) {
      console.error(`${where}: not a mapping`);
      failures++;
      return;
    }
    const name = `${doc.kind} ${doc.metadata && doc.metadata.name}`;
    let errs = [];
    if (doc.apiVersion === "k8s.cni.cncf.io/v1" && doc.kind === "NetworkAttachmentDefinition") {
      errs = checkNad(doc);
    } else if (doc.apiVersion === "monitoring.coreos.com/v1" && doc.kind === "ServiceMonitor") {
      errs = checkServiceMonitor(doc);
    } else {
      const Model = modelClass(doc.apiVersion, doc.kind);
      if (!Model) {
        errs = [`no schema for apiVersion ${doc.apiVersion}, kind ${doc.kind}`];
      } else {
        try {
          new Model(doc).validate();
        } catch (e) {
          errs = [e.message];
        }
      }
    }
    checked++;
    if (errs.length) {
      failures++;
      for (const e of errs) console.error(`${where} (${name}): ${e}`);
    } else {
      console.log(`${where} (${name}): ok`);
    }
  });
}
console.log(`k8s-schema: ${checked} documents, ${failures} failing`);
process.exit(failures ? 1 : 0);
