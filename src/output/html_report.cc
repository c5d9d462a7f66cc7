#include "alsel/output/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "alsel/util/utf8.h"

namespace alsel {

namespace {

std::string format_number(double value, int precision = 4) {
  if (std::isnan(value)) return "n/a";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
  return buffer;
}

// A fixed palette for entity labels, assigned in order of first appearance.
const char* label_color(const std::string& label, std::map<std::string, int>& assigned) {
  static const char* kPalette[] = {"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
                                   "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  const int size = static_cast<int>(sizeof kPalette / sizeof kPalette[0]);
  auto found = assigned.find(label);
  if (found == assigned.end())
    found = assigned.emplace(label, static_cast<int>(assigned.size())).first;
  return kPalette[found->second % size];
}

// Background of a character whose decoded label has probability `p`: white when certain, deep
// red when the model is at a loss.
std::string shade(double p) {
  if (std::isnan(p)) return "";
  const double doubt = std::clamp(1.0 - p, 0.0, 1.0);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, " style=\"background:rgba(214,39,40,%.3f)\"", 0.9 * doubt);
  return buffer;
}

void render_sentence(std::ostringstream& out, const ReportSentence& sentence,
                     std::map<std::string, int>& colors) {
  const std::u32string text =
      decode_utf8(is_valid_utf8(sentence.text) ? sentence.text : sanitize_utf8(sentence.text));
  out << "<tr><td class=\"rank\">" << sentence.rank << "</td><td class=\"score\">"
      << format_number(sentence.score) << "</td><td><div class=\"id\">" << html_escape(sentence.id)
      << "</div><div class=\"text\">";
  size_t next_entity = 0;
  const auto& entities = sentence.entities;
  for (size_t i = 0; i < text.size(); ++i) {
    if (next_entity < entities.size() && static_cast<size_t>(entities[next_entity].start) == i) {
      out << "<span class=\"ent\" style=\"border-color:"
          << label_color(entities[next_entity].label, colors) << "\">";
    }
    const double p = i < sentence.confidence.size() ? sentence.confidence[i]
                                                    : std::numeric_limits<double>::quiet_NaN();
    std::string character;
    append_utf8(character, text[i]);
    out << "<span class=\"c\"" << shade(p);
    if (!std::isnan(p)) out << " title=\"p=" << format_number(p, 3) << "\"";
    out << ">" << html_escape(character) << "</span>";
    if (next_entity < entities.size() && static_cast<size_t>(entities[next_entity].end) == i + 1) {
      const EntitySpan& entity = entities[next_entity];
      out << "<sub class=\"tag\" style=\"background:" << label_color(entity.label, colors) << "\">"
          << html_escape(entity.label) << " " << format_number(entity.confidence, 2)
          << "</sub></span>";
      ++next_entity;
    }
  }
  out << "</div>";
  if (!entities.empty()) {
    out << "<div class=\"ents\">";
    for (const EntitySpan& entity : entities) {
      out << "<span class=\"chip\" style=\"border-color:" << label_color(entity.label, colors)
          << "\">" << html_escape(entity.label) << ": " << html_escape(entity.text) << " <small>["
          << entity.start << ", " << entity.end << ") p=" << format_number(entity.confidence, 3)
          << "</small></span>";
    }
    out << "</div>";
  }
  out << "</td></tr>\n";
}

void render_histogram(std::ostringstream& out, const std::vector<HistogramBin>& bins,
                      double cutoff) {
  if (bins.empty()) {
    out << "<p>No scored sentences.</p>\n";
    return;
  }
  const double width = 1000, height = 260, left = 60, bottom = 40, top = 20, right = 20;
  const double plot_width = width - left - right, plot_height = height - top - bottom;
  double highest = 0;
  for (const HistogramBin& bin : bins) highest = std::max(highest, bin.count);
  const double low = bins.front().low, high = bins.back().high;
  const double span = high > low ? high - low : 1.0;
  const auto x_of = [&](double score) { return left + plot_width * (score - low) / span; };
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << width << " " << height
      << "\" width=\"" << width << "\" height=\"" << height
      << "\" role=\"img\" aria-label=\"histogram\">\n";
  out << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << plot_width << "\" height=\""
      << plot_height << "\" fill=\"#fafafa\" stroke=\"#ccc\"/>\n";
  const double bar_width = plot_width / static_cast<double>(bins.size());
  for (size_t i = 0; i < bins.size(); ++i) {
    const double bar_height = highest > 0 ? plot_height * bins[i].count / highest : 0;
    const bool selected = !std::isnan(cutoff) && bins[i].high >= cutoff;
    char buffer[256];
    std::snprintf(
        buffer, sizeof buffer,
        "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\">",
        left + i * bar_width + 1, top + plot_height - bar_height, std::max(bar_width - 2, 1.0),
        bar_height, selected ? "#d62728" : "#4c78a8");
    out << buffer << "<title>[" << format_number(bins[i].low) << ", " << format_number(bins[i].high)
        << "): " << format_number(bins[i].count, 6) << "</title></rect>\n";
  }
  // Axes labels: min, max, and the count scale.
  out << "<text x=\"" << left << "\" y=\"" << height - 18
      << "\" font-size=\"13\" text-anchor=\"start\">" << format_number(low) << "</text>\n";
  out << "<text x=\"" << left + plot_width << "\" y=\"" << height - 18
      << "\" font-size=\"13\" text-anchor=\"end\">" << format_number(high) << "</text>\n";
  out << "<text x=\"" << left + plot_width / 2 << "\" y=\"" << height - 2
      << "\" font-size=\"13\" text-anchor=\"middle\">score (higher = more informative)</text>\n";
  out << "<text x=\"" << left - 6 << "\" y=\"" << top + 12
      << "\" font-size=\"13\" text-anchor=\"end\">" << format_number(highest, 6) << "</text>\n";
  out << "<text x=\"" << left - 6 << "\" y=\"" << top + plot_height
      << "\" font-size=\"13\" text-anchor=\"end\">0</text>\n";
  if (!std::isnan(cutoff)) {
    const double x = x_of(std::clamp(cutoff, low, high));
    out << "<line id=\"cutoff\" x1=\"" << x << "\" y1=\"" << top - 5 << "\" x2=\"" << x
        << "\" y2=\"" << top + plot_height
        << "\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"6,4\"/>\n";
    const bool label_left = x > left + plot_width * 0.7;
    out << "<text x=\"" << (label_left ? x - 6 : x + 6) << "\" y=\"" << top + 14
        << "\" font-size=\"13\" text-anchor=\"" << (label_left ? "end" : "start")
        << "\">selection cut-off " << format_number(cutoff) << "</text>\n";
  }
  out << "</svg>\n";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

ReportSentence make_report_sentence(const Selected& item, int rank) {
  const ScoredSentence& sentence = item.sentence;
  const SentenceAnalysis& analysis = sentence.analysis;
  ReportSentence out;
  out.rank = rank;
  out.score = item.score;
  out.id = analysis.id;
  out.text = sentence.text;
  out.entities = analysis.entities;
  out.confidence.assign(count_code_points(sentence.text), std::numeric_limits<double>::quiet_NaN());
  const size_t words = std::min({sentence.word_spans.size(), analysis.best_path.size(),
                                 static_cast<size_t>(std::max(analysis.num_words, 0))});
  for (size_t w = 0; w < words; ++w) {
    const size_t index = w * static_cast<size_t>(analysis.num_labels) + analysis.best_path[w];
    if (index >= analysis.probabilities.size()) break;
    const double p = analysis.probabilities[index];
    const auto [start, end] = sentence.word_spans[w];
    for (int i = std::max(start, 0); i < end && static_cast<size_t>(i) < out.confidence.size();
         ++i) {
      out.confidence[i] = p;
    }
  }
  return out;
}

std::string render_html_report(const ReportInput& input) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"und\">\n<head>\n<meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
         "'unsafe-inline'; img-src data:\">\n"
      << "<title>" << html_escape(input.title) << "</title>\n<style>\n"
      << "body{font-family:'Noto Sans CJK SC','Noto Sans',sans-serif;margin:24px;color:#222}\n"
      << "h1{font-size:22px;margin:0 0 12px} h2{font-size:17px;margin:24px 0 8px}\n"
      << "table.facts td{padding:2px 12px 2px 0;font-size:14px} table.facts "
         "td:first-child{color:#666}\n"
      << "table.batch{border-collapse:collapse;width:100%} table.batch "
         "th{text-align:left;font-size:13px;"
         "color:#666;border-bottom:1px solid #ccc;padding:4px}\n"
      << "table.batch td{vertical-align:top;border-bottom:1px solid #eee;padding:6px 4px}\n"
      << "td.rank{width:40px;color:#666} td.score{width:80px;font-variant-numeric:tabular-nums}\n"
      << ".id{font-size:12px;color:#888} .text{font-size:20px;line-height:2.1}\n"
      << ".c{padding:1px 0} .ent{border-bottom:3px solid;padding-bottom:1px}\n"
      << ".tag{color:#fff;font-size:11px;border-radius:3px;padding:0 3px;margin-left:2px}\n"
      << ".chip{display:inline-block;border:1px solid;border-radius:4px;padding:0 6px;margin:2px "
         "4px 0 0;"
         "font-size:13px}\n"
      << ".legend span{display:inline-block;width:48px;text-align:center;font-size:12px}\n"
      << "</style>\n</head>\n<body>\n";
  out << "<h1>" << html_escape(input.title) << "</h1>\n<table class=\"facts\">\n";
  for (const auto& [name, value] : input.facts) {
    out << "<tr><td>" << html_escape(name) << "</td><td>" << html_escape(value) << "</td></tr>\n";
  }
  out << "</table>\n<h2>Scores of the pool</h2>\n";
  render_histogram(out, input.histogram, input.cutoff);
  out << "<h2>Selected sentences (" << input.sentences.size() << ")</h2>\n"
      << "<div class=\"legend\">confidence of the decoded label: ";
  for (double p : {1.0, 0.9, 0.7, 0.5, 0.3, 0.1}) {
    out << "<span" << shade(p) << ">" << format_number(p, 2) << "</span>";
  }
  out << " &nbsp; entities are underlined, tagged with label and confidence</div>\n"
      << "<table class=\"batch\">\n<tr><th>rank</th><th>score</th><th>sentence</th></tr>\n";
  std::map<std::string, int> colors;
  for (const ReportSentence& sentence : input.sentences) render_sentence(out, sentence, colors);
  out << "</table>\n</body>\n</html>\n";
  return out.str();
}

}  // namespace alsel
