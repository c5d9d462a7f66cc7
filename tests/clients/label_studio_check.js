// Runs inside label_studio_page.html: loads every task of window.ALSEL_TASKS (alsel's
// --format label-studio output) into the real Label Studio frontend, selects its prediction, and
// compares what the annotator sees highlighted with what alsel predicted.
//
// Contract: for each task, the regions drawn by Label Studio (the .htx-highlight spans, grouped by
// the per-region class htx-highlight-<id> Label Studio gives every span of one region, in document
// order) must equal the task's predicted regions sorted by value.start, text for text
// (value.text). The verdict is base64 of UTF-8 JSON in <pre id="alsel-verdict">, and the title
// becomes ALSEL_DONE once it is written:
//   {"tasks": N, "matched": M, "results": [{"task", "text", "ok", "expected", "rendered",
//    "error"?}]}
(function () {
  "use strict";

  const kPollMs = 100;      // how often a task's rendering is inspected
  const kMaxPolls = 100;    // a task that has not drawn its regions after this many polls fails
  const kStablePolls = 3;   // the drawn regions must stay the same this many polls in a row

  function finish(verdict) {
    // Base64 of the UTF-8 JSON: --dump-dom escapes text as HTML, base64 needs no unescaping.
    const bytes = new TextEncoder().encode(JSON.stringify(verdict));
    let binary = "";
    for (const byte of bytes) binary += String.fromCharCode(byte);
    document.getElementById("alsel-verdict").textContent = btoa(binary);
    document.title = "ALSEL_DONE";
  }

  if (typeof window.LabelStudio !== "function") {
    finish({fatal: "the Label Studio bundle did not define window.LabelStudio"});
    return;
  }
  const tasks = window.ALSEL_TASKS;
  if (!Array.isArray(tasks)) {
    finish({fatal: "window.ALSEL_TASKS is not an array (tasks file not loaded?)"});
    return;
  }

  // The labeling config alsel's defaults target: <Labels name="label" toName="text">.
  function labelingConfig(task) {
    const labels = new Set();
    const first = (task.predictions || [])[0] || {};
    const result = first.result || [];
    for (const region of result) {
      for (const label of region.value.labels || []) labels.add(label);
    }
    const fromName = result.length ? result[0].from_name : "label";
    const toName = result.length ? result[0].to_name : "text";
    const escape = (s) => String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
    const labelTags = Array.from(labels).map((l) => `<Label value="${escape(l)}"/>`).join("");
    return `<View><Labels name="${escape(fromName)}" toName="${escape(toName)}">${labelTags}</Labels>` +
           `<Text name="${escape(toName)}" value="$text"/></View>`;
  }

  // The regions drawn in `root`, each the text of its spans joined, in document order.
  function renderedRegions(root) {
    const byRegion = new Map();
    for (const span of root.querySelectorAll(".htx-highlight")) {
      let key = null;
      for (const name of span.classList) {
        if (/^htx-highlight-/.test(name) && name !== "htx-highlight-last") key = name;
      }
      if (key === null) key = "unkeyed-" + byRegion.size;  // a span without a region class
      byRegion.set(key, (byRegion.get(key) || "") + span.textContent);
    }
    return Array.from(byRegion.values());
  }

  function expectedRegions(task) {
    const first = (task.predictions || [])[0] || {};
    return (first.result || [])
        .slice()
        .sort((a, b) => a.value.start - b.value.start)
        .map((region) => region.value.text);
  }

  const results = [];
  let matched = 0;

  function runTask(index) {
    if (index >= tasks.length) {
      finish({tasks: tasks.length, matched: matched, results: results});
      return;
    }
    const task = tasks[index];
    const expected = expectedRegions(task);
    const host = document.getElementById("label-studio");
    host.innerHTML = "";
    const root = document.createElement("div");
    root.id = "ls-task-" + index;
    host.appendChild(root);
    const record = {task: index, id: task.data && task.data.id, text: task.data && task.data.text,
                    ok: false, expected: expected, rendered: []};
    let studio = null;
    let loadError = null;
    try {
      studio = new window.LabelStudio(root.id, {
        config: labelingConfig(task),
        interfaces: ["panel", "side-column", "predictions:tabs", "predictions:menu",
                     "annotations:menu"],
        user: {id: 1, first_name: "alsel", last_name: "test", username: "alsel"},
        task: {id: index + 1, data: task.data, predictions: task.predictions || [],
               annotations: []},
        onLabelStudioLoad: function (ls) {
          const predictions = ls.annotationStore.predictions;
          if (predictions.length) ls.annotationStore.selectPrediction(predictions[0].id);
        },
      });
    } catch (error) {
      loadError = "new LabelStudio threw: " + error;
    }

    let polls = 0;
    let stable = 0;
    let last = null;
    function poll() {
      polls += 1;
      const rendered = renderedRegions(root);
      const key = JSON.stringify(rendered);
      stable = key === last ? stable + 1 : 0;
      last = key;
      const settled = rendered.length >= expected.length && stable >= kStablePolls;
      if (!loadError && !settled && polls < kMaxPolls) {
        setTimeout(poll, kPollMs);
        return;
      }
      record.rendered = rendered;
      record.ok = !loadError && key === JSON.stringify(expected);
      if (loadError) record.error = loadError;
      else if (!settled) record.error = "regions not drawn after " + polls * kPollMs + " ms";
      if (record.ok) matched += 1;
      results.push(record);
      try {
        if (studio) studio.destroy();
      } catch (error) {
        // A failed unmount must not hide the next task's result.
      }
      setTimeout(() => runTask(index + 1), 0);
    }
    setTimeout(poll, kPollMs);
  }

  window.addEventListener("error", (event) => {
    console.error("page error: " + event.message);
  });
  runTask(0);
})();
