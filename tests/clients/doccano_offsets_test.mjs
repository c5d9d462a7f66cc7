// Checks alsel's --format doccano offsets the way doccano's annotation view reads them, with
// Node's own string functions (doccano itself cannot be installed here):
//   - doccano indexes the text with JavaScript string offsets, UTF-16 code units
//     (text.substring(start, end)), doccano issues #2290 and #2484;
//   - with the project option "Count grapheme clusters as one character" it counts extended
//     grapheme clusters, which Intl.Segmenter({granularity: "grapheme"}) splits.
//
//   node doccano_offsets_test.mjs ALSEL_BINARY SOURCE_DIR WORK_DIR
//
// The pool is tests/clients/astral_pool.jsonl (emoji, ZWJ sequences, U+20BB7, full-width text
// and flags before and between the names). The reference is alsel's jsonl output of the same
// selection: each entity's "text" and label, matched to the doccano line by id, in order.
// ALSEL_CLIENT_TEST_MODEL overrides the model (default: models/msra-bert3-crf.pt, the shipped default).
//
// Cases (each reported; the test fails if any fails):
//   default      no --offset-unit: doccano's default unit, so substring must give the entity text
//   utf16        --offset-unit utf16: substring must give the entity text
//   grapheme     --offset-unit grapheme: the grapheme-cluster slice must give the entity text
//   codepoint    --offset-unit codepoint: must be WRONG under substring on some astral task, and
//                WRONG as grapheme indices on some ZWJ/flag task (so the checks above can fail),
//                while right as code-point indices (so the reference itself is sound)
// Exit: 0 pass; 1 fail; 77 skip (Intl.Segmenter missing; the CMake entry skips without node).
import {execFileSync} from "node:child_process";
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from "node:fs";
import path from "node:path";

const kMinAstralTasks = 3;  // tasks whose entities sit after astral text, for the check to bite
const kMinClusterTasks = 1; // tasks whose entities sit after a multi-code-point grapheme cluster

if (process.argv.length !== 5) {
  console.error("usage: node doccano_offsets_test.mjs ALSEL_BINARY SOURCE_DIR WORK_DIR");
  process.exit(2);
}
const [alsel, sourceDir, workDir] = process.argv.slice(2);
if (typeof Intl === "undefined" || typeof Intl.Segmenter !== "function") {
  console.log("SKIP: this node has no Intl.Segmenter (built without ICU?)");
  process.exit(77);
}
const model = process.env.ALSEL_CLIENT_TEST_MODEL || path.join(sourceDir, "models", "msra-bert3-crf.pt");
const pool = path.join(sourceDir, "tests", "clients", "astral_pool.jsonl");
const poolSize = readFileSync(pool, "utf8").split("\n").filter((line) => line.trim()).length;
const segmenter = new Intl.Segmenter(undefined, {granularity: "grapheme"});

const started = Date.now();
mkdirSync(workDir, {recursive: true});
const scratch = mkdtempSync(path.join(workDir, "doccano."));

// Runs alsel select over the pool; returns the JSONL lines, or {error} when alsel fails.
function select(name, args) {
  const out = path.join(scratch, name);
  try {
    execFileSync("nice", [alsel, "-q", "select", "-p", pool, "-k", String(poolSize), "--dedupe", "none",
                          "--model", model, ...args, "-o", out],
                 {stdio: ["ignore", "pipe", "pipe"], encoding: "utf8"});
  } catch (error) {
    return {error: `alsel select ${args.join(" ")} exited ${error.status}: ${String(error.stderr).trim()}`};
  }
  return {lines: readFileSync(out, "utf8").split("\n").filter((line) => line.trim()).map((l) => JSON.parse(l))};
}

const graphemes = (text) => Array.from(segmenter.segment(text), (s) => s.segment);
const slicers = {
  utf16: (text, start, end) => text.substring(start, end),                 // doccano's default view
  grapheme: (text, start, end) => graphemes(text).slice(start, end).join(""),  // its grapheme option
  codepoint: (text, start, end) => Array.from(text).slice(start, end).join(""),
};

const reference = select("reference.jsonl", ["--format", "jsonl", "--offset-unit", "codepoint"]);
if (reference.error) {
  console.error("FAIL: " + reference.error);
  process.exit(1);
}
const expectedById = new Map(reference.lines.map((line) => [line.id, line]));

// True when some entity of `line` (jsonl, code points) ends after a code point above U+FFFF /
// after a grapheme cluster of several code points: there the units disagree.
function unitsDiffer(line) {
  const codePoints = Array.from(line.text);
  let astral = false;
  let cluster = false;
  for (const entity of line.entities) {
    const before = codePoints.slice(0, entity.end).join("");
    astral ||= Array.from(before).some((c) => c.codePointAt(0) > 0xffff);
    cluster ||= graphemes(before).some((g) => Array.from(g).length > 1);
  }
  return {astral, cluster};
}

// Every doccano span, read with `slice`, against the reference entities. Returns per-task rows.
function readSpans(lines, slice) {
  const rows = [];
  for (const line of lines) {
    const expected = expectedById.get(line.id);
    const row = {id: line.id, text: line.text, ok: true, problems: []};
    if (!expected) {
      row.ok = false;
      row.problems.push("id not in the jsonl reference");
    } else if (!Array.isArray(line.label)) {
      row.ok = false;
      row.problems.push(`no "label" list: ${JSON.stringify(line).slice(0, 200)}`);
    } else {
      if (line.text !== expected.text) row.problems.push("text differs from the jsonl reference");
      if (line.label.length !== expected.entities.length) {
        row.problems.push(`${line.label.length} spans, the jsonl reference has ${expected.entities.length}`);
      }
      line.label.forEach(([start, end, tag], i) => {
        const entity = expected.entities[i];
        if (!entity) return;
        const shown = slice(line.text, start, end);
        if (shown !== entity.text || tag !== entity.label) {
          row.problems.push(`[${start},${end},${tag}] shows ${JSON.stringify(shown)}, ` +
                            `predicted ${JSON.stringify(entity.text)} ${entity.label}`);
        }
      });
      row.ok = row.problems.length === 0;
    }
    rows.push(row);
  }
  return rows;
}

function report(name, rows) {
  const bad = rows.filter((row) => !row.ok);
  console.log(`${name}: ${rows.length - bad.length} of ${rows.length} lines land on the predicted text`);
  for (const row of bad) console.log(`  MISMATCH ${row.id}: ${row.text}\n    ${row.problems.join("\n    ")}`);
  return bad.length;
}

const failures = [];
const coverage = reference.lines.map(unitsDiffer);
const astralTasks = coverage.filter((c) => c.astral).length;
const clusterTasks = coverage.filter((c) => c.cluster).length;
console.log(`pool: ${reference.lines.length} sentences; entities after astral text in ${astralTasks}, ` +
            `after multi-code-point grapheme clusters in ${clusterTasks}`);
if (astralTasks < kMinAstralTasks || clusterTasks < kMinClusterTasks) {
  failures.push(`too few entities after astral text (${astralTasks}, need ${kMinAstralTasks}) or after ` +
                `grapheme clusters (${clusterTasks}, need ${kMinClusterTasks}): the model no longer tags ` +
                "those names; pick sentences or a model that does");
}

const positiveCases = [
  {name: "default (no --offset-unit), read as doccano does (UTF-16 substring)", args: [], slice: slicers.utf16},
  {name: "--offset-unit utf16, UTF-16 substring", args: ["--offset-unit", "utf16"], slice: slicers.utf16},
  {name: "--offset-unit grapheme, Intl.Segmenter grapheme clusters", args: ["--offset-unit", "grapheme"],
   slice: slicers.grapheme},
];
positiveCases.forEach((c, i) => {
  const output = select(`case${i}.doccano.jsonl`, ["--format", "doccano", ...c.args]);
  if (output.error) {
    console.log(`${c.name}: ${output.error}`);
    failures.push(`${c.name}: alsel failed`);
    return;
  }
  if (report(c.name, readSpans(output.lines, c.slice)) > 0) failures.push(`${c.name}: spans off their text`);
});

// The negative: code points are what the old default wrote; doccano must see them as wrong.
const codepoint = select("codepoint.doccano.jsonl", ["--format", "doccano", "--offset-unit", "codepoint"]);
if (codepoint.error) {
  failures.push(`--offset-unit codepoint: ${codepoint.error}`);
} else {
  const asCodePoints = readSpans(codepoint.lines, slicers.codepoint);
  if (report("--offset-unit codepoint, read as code points (the reference's own unit)", asCodePoints) > 0) {
    failures.push("code-point offsets are off even as code points: the reference or the writer is broken");
  }
  const asUtf16 = readSpans(codepoint.lines, slicers.utf16).filter((row) => !row.ok).length;
  const asGraphemes = readSpans(codepoint.lines, slicers.grapheme).filter((row) => !row.ok).length;
  console.log(`negative: code-point offsets read by doccano are wrong on ${asUtf16} line(s) as UTF-16, ` +
              `on ${asGraphemes} as grapheme clusters`);
  if (asUtf16 === 0) failures.push("code-point offsets pass the UTF-16 substring check: it cannot fail");
  if (asGraphemes === 0) failures.push("code-point offsets pass the grapheme check: it cannot fail");
}

rmSync(scratch, {recursive: true, force: true});
console.log(`doccano offsets test: ${((Date.now() - started) / 1000).toFixed(1)} s, node ${process.version}, ` +
            `ICU ${process.versions.icu}, Unicode ${process.versions.unicode}`);
if (failures.length) {
  for (const failure of failures) console.error("FAIL: " + failure);
  process.exit(1);
}
console.log("PASS: doccano offsets land on the predicted text in both of doccano's units");
