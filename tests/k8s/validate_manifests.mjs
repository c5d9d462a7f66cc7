// Offline schema check of the Kubernetes manifests in a Markdown page (docs/distributed.md):
// every ```yaml block is parsed and each object checked twice, against pinned schemas of the
// Kubernetes API (package.json beside this file; no cluster needed):
//   1. kubernetes-models: the OpenAPI schema compiled to a validator (types, enums, required
//      fields, formats), as the API server validates;
//   2. @kubernetes/client-node: a round trip through its typed models drops every field the API
//      does not define, so any field missing after it is unknown (a typo like
//      "backoffLimitPerIndx", which the server would reject in strict mode or silently drop).
//
//   node validate_manifests.mjs docs/distributed.md     # exit 0: all valid; 1: errors listed
//   node validate_manifests.mjs --self-test             # the checks catch a typo and a bad enum
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import YAML from "yaml";

const require = createRequire(import.meta.url);
const { ObjectSerializer } = require("@kubernetes/client-node/dist/gen/models/ObjectSerializer.js");

// apiVersion "batch/v1" -> module "kubernetes-models/batch/v1/KIND", serializer type "V1KIND";
// core "v1" -> "kubernetes-models/v1/KIND", "V1KIND".
async function modelClass(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const path = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
  const module = await import(path);
  return { Model: module[kind], typeName: version[0].toUpperCase() + version.slice(1) + kind };
}

// Paths present in `original` but absent after the round trip: fields the schema does not know.
function droppedFields(original, roundTrip, path = "") {
  const dropped = [];
  if (original === null || typeof original !== "object") return dropped;
  for (const [key, value] of Object.entries(original)) {
    const here = Array.isArray(original) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (roundTrip === null || roundTrip === undefined || !(key in roundTrip)) {
      dropped.push(here);
    } else {
      dropped.push(...droppedFields(value, roundTrip[key], here));
    }
  }
  return dropped;
}

export async function checkObject(object) {
  const errors = [];
  if (!object || typeof object.apiVersion !== "string" || typeof object.kind !== "string") {
    return ["not a Kubernetes object (apiVersion and kind are required)"];
  }
  let model;
  try {
    model = await modelClass(object.apiVersion, object.kind);
  } catch (error) {
    return [`unknown apiVersion/kind ${object.apiVersion} ${object.kind}`];
  }
  try {
    new model.Model(object).validate();
  } catch (error) {
    errors.push(`schema: ${error.message}`);
  }
  const roundTrip = ObjectSerializer.serialize(ObjectSerializer.deserialize(object, model.typeName), model.typeName);
  for (const field of droppedFields(object, roundTrip)) errors.push(`unknown field ${field}`);
  return errors;
}

async function checkPage(pagePath) {
  const page = readFileSync(pagePath, "utf8");
  const blocks = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]);
  if (blocks.length === 0) {
    console.error(`${pagePath}: no yaml blocks`);
    return 1;
  }
  let failures = 0;
  for (const [index, block] of blocks.entries()) {
    const line = page.slice(0, page.indexOf(block)).split("\n").length;
    for (const document of YAML.parseAllDocuments(block)) {
      if (document.errors.length > 0) {
        console.error(`${pagePath}:${line}: YAML: ${document.errors.map((e) => e.message).join("; ")}`);
        failures++;
        continue;
      }
      const object = document.toJS();
      const name = `${object?.kind ?? "?"} ${object?.metadata?.name ?? "?"}`;
      const errors = await checkObject(object);
      if (errors.length > 0) {
        for (const error of errors) console.error(`${pagePath}:${line}: ${name}: ${error}`);
        failures++;
      } else {
        console.log(`${pagePath}:${line}: block ${index + 1}: ${name}: valid`);
      }
    }
  }
  return failures === 0 ? 0 : 1;
}

async function selfTest() {
  const good = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "t" },
    spec: {
      completionMode: "Indexed",
      completions: 2,
      backoffLimitPerIndex: 1,
      template: { spec: { restartPolicy: "Never", containers: [{ name: "a", image: "b" }] } },
    },
  };
  const cases = [
    ["a valid Job", good, 0],
    ["a misspelt field", { ...good, spec: { ...good.spec, backoffLimitPerIndx: 1 } }, 1],
    ["a bad enum value", { ...good, spec: { ...good.spec, completionMode: "Index" } }, 1],
    ["a string for an integer", { ...good, spec: { ...good.spec, completions: "2" } }, 1],
  ];
  let failed = 0;
  for (const [what, object, expected] of cases) {
    const errors = await checkObject(object);
    const ok = expected === 0 ? errors.length === 0 : errors.length > 0;
    console.log(`self-test: ${what}: ${ok ? "ok" : "WRONG"} (${errors.join("; ") || "no errors"})`);
    if (!ok) failed++;
  }
  return failed === 0 ? 0 : 1;
}

const argument = process.argv[2];
process.exitCode = argument === "--self-test" ? await selfTest() : await checkPage(argument ?? "docs/distributed.md");
