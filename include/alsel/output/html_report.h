// A self-contained HTML page for a selected batch: per-character confidence shading, the
// predicted entities, each sentence's score, and a histogram of the pool's scores with the
// selection cut-off marked. Inline CSS and SVG only: no script, no font, nothing fetched.
//
//   alsel::ReportInput input;
//   input.title = "alsel select 2025-01-31";
//   input.histogram = pool_scores.histogram(40);
//   input.cutoff = selected.back().score;
//   int rank = 0;
//   for (const alsel::Selected& item : selected)
//     input.sentences.push_back(alsel::make_report_sentence(item, ++rank));
//   alsel::write_file_atomically("report.html", alsel::render_html_report(input));
//
// Every piece of text from the pool, the model or the command line is HTML-escaped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alsel/scoring/score_summary.h"
#include "alsel/selection/selector.h"

namespace alsel {

struct ReportSentence {
  int rank = 0;      // 1 = most informative
  double score = 0;  // strategy score
  std::string id, text;
  std::vector<double> confidence;    // per code point of text: the probability of the decoded
                                     // label of the word holding it; NaN outside every word
  std::vector<EntitySpan> entities;  // code-point spans, non-overlapping, in text order
};

// The report view of one selected sentence.
ReportSentence make_report_sentence(const Selected& item, int rank);

struct ReportInput {
  std::string title;
  std::vector<std::pair<std::string, std::string>> facts;  // shown as a table: model, counts...
  std::vector<HistogramBin> histogram;                     // the pool's scores
  double cutoff = 0;  // lowest selected score; NaN = no selection
  std::vector<ReportSentence> sentences;
};

std::string render_html_report(const ReportInput& input);

// & < > " ' as entities.
std::string html_escape(std::string_view text);

}  // namespace alsel
