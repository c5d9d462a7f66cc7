// Reads the verdicts label_studio_check.js wrote into the DOM dumps of label_studio_frontend_test.sh
// and asserts on them; the page decided each task's match, this only reads and aggregates.
//
//   node label_studio_verdict.mjs --default TASKS DOM LOG --utf16 TASKS DOM LOG
//
// Asserts: the default case matched on every task, and at least kMinAstralTasks of them have
// astral text (code points above U+FFFF) before an entity's end; the utf16 case mismatched on at least
// one task, and matched on every task without astral text before its entities' ends. Exit 0 or 1.
import {readFileSync} from "node:fs";

const kMinAstralTasks = 3;

function parseArguments(argv) {
  const cases = {};
  for (let i = 0; i < argv.length; i += 4) {
    const name = argv[i].replace(/^--/, "");
    cases[name] = {tasks: argv[i + 1], dom: argv[i + 2], log: argv[i + 3]};
  }
  if (!cases.default || !cases.utf16) {
    console.error("usage: label_studio_verdict.mjs --default TASKS DOM LOG --utf16 TASKS DOM LOG");
    process.exit(2);
  }
  return cases;
}

// Console errors of the page, for a failure message.
function pageErrors(logPath) {
  let log = "";
  try {
    log = readFileSync(logPath, "utf8");
  } catch {
    return [];
  }
  return log.split("\n").filter((line) => /CONSOLE|Uncaught|page error/.test(line)).slice(-15);
}

function readVerdict(name, paths) {
  const dom = readFileSync(paths.dom, "utf8");
  const title = /<title>([^<]*)<\/title>/.exec(dom);
  const pre = /<pre id="alsel-verdict">([^<]*)<\/pre>/.exec(dom);
  if (!title || title[1] !== "ALSEL_DONE" || !pre || pre[1] === "") {
    const errors = pageErrors(paths.log);
    throw new Error(`${name}: the page did not finish (title ${title ? title[1] : "missing"}); ` +
                    `page errors:\n  ${errors.join("\n  ") || "(none logged)"}`);
  }
  const verdict = JSON.parse(Buffer.from(pre[1].trim(), "base64").toString("utf8"));
  if (verdict.fatal) throw new Error(`${name}: ${verdict.fatal}`);
  return verdict;
}

// True when a code point above U+FFFF precedes the end of some predicted entity, i.e. when that
// entity's UTF-16 offsets differ from its code-point ones. `end` is in code points.
function astralBeforeEntity(task) {
  const codePoints = Array.from(task.data.text);
  const result = (task.predictions[0] || {result: []}).result;
  return result.some((region) =>
    codePoints.slice(0, region.value.end).some((c) => c.codePointAt(0) > 0xffff));
}

function show(list) {
  return JSON.stringify(list);
}

const cases = parseArguments(process.argv.slice(2));
const failures = [];
const tasks = {};
const verdicts = {};
for (const name of ["default", "utf16"]) {
  tasks[name] = JSON.parse(readFileSync(cases[name].tasks, "utf8"));
  try {
    verdicts[name] = readVerdict(name, cases[name]);
  } catch (error) {
    console.error("FAIL: " + error.message);
    process.exit(1);
  }
  if (verdicts[name].tasks !== tasks[name].length || verdicts[name].results.length !== tasks[name].length) {
    failures.push(`${name}: the page checked ${verdicts[name].results.length} of ${tasks[name].length} tasks`);
  }
}

const ids = (list) => list.map((task) => task.data.id).join(",");
if (ids(tasks.default) !== ids(tasks.utf16)) {
  failures.push(`the two selections differ: ${ids(tasks.default)} vs ${ids(tasks.utf16)}`);
}

const astral = tasks.default.map(astralBeforeEntity);
for (const name of ["default", "utf16"]) {
  console.log(`${name} offsets (${name === "default" ? "no --offset-unit" : "--offset-unit utf16"}):`);
  for (const result of verdicts[name].results) {
    const mark = result.ok ? "match   " : "MISMATCH";
    const note = astral[result.task] ? " [astral before an entity]" : "";
    console.log(`  ${mark} ${result.id}${note}: ${result.text}`);
    if (!result.ok || result.expected.length === 0) {
      console.log(`           predicted ${show(result.expected)}`);
      console.log(`           rendered  ${show(result.rendered)}${result.error ? "  (" + result.error + ")" : ""}`);
    }
  }
  console.log(`  ${verdicts[name].matched} of ${verdicts[name].tasks} tasks rendered on the predicted text`);
}

const emptyTasks = tasks.default.filter((task) => task.predictions[0].result.length === 0).length;
if (emptyTasks > 0) console.log(`note: ${emptyTasks} task(s) have no predicted entity`);

// default: every task, every region, on the right characters.
for (const result of verdicts.default.results) {
  if (!result.ok) {
    failures.push(`default: task ${result.id} rendered ${show(result.rendered)}, predicted ${show(result.expected)}`);
  }
}
const astralTasks = astral.filter(Boolean).length;
if (astralTasks < kMinAstralTasks) {
  failures.push(`only ${astralTasks} task(s) have astral text before an entity (need ${kMinAstralTasks}): ` +
                "the model no longer tags the names after the emoji; pick sentences or a model that does");
}

// utf16: the page must see the shift (or this test could never fail), and only where expected.
const shifted = verdicts.utf16.results.filter((result) => !result.ok);
if (shifted.length === 0) {
  failures.push("utf16: every task matched, so the page cannot tell shifted offsets from right ones");
}
for (const result of verdicts.utf16.results) {
  if (!result.ok && !astral[result.task]) {
    failures.push(`utf16: task ${result.id} has no astral text before its entities, yet rendered ` +
                  `${show(result.rendered)} for ${show(result.expected)}`);
  }
}
console.log(`utf16 negative check: ${shifted.length} of ${verdicts.utf16.tasks} tasks shifted ` +
            `(${astralTasks} have astral text before an entity)`);

if (failures.length) {
  for (const failure of failures) console.error("FAIL: " + failure);
  process.exit(1);
}
console.log("PASS: every predicted region renders on its text in Label Studio with the default offsets");
