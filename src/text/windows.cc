#include "alsel/text/windows.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace alsel {

std::vector<Window> plan_windows(const std::vector<int>& word_first_piece, int num_pieces,
                                 int max_pieces, int overlap_pieces) {
  if (max_pieces < 1 || overlap_pieces < 0 || overlap_pieces >= max_pieces) {
    throw std::invalid_argument("plan_windows: need max_pieces >= 1 and 0 <= overlap < max_pieces, got " +
                                std::to_string(max_pieces) + " and " + std::to_string(overlap_pieces));
  }
  const int num_words = static_cast<int>(word_first_piece.size());
  auto piece_end_of_word = [&](int word) {
    return word + 1 < num_words ? word_first_piece[word + 1] : num_pieces;
  };
  std::vector<Window> windows;
  int start = 0;
  while (start < num_words) {
    Window window;
    window.first_word = start;
    window.first_piece = word_first_piece[start];
    int end = start;
    while (end < num_words && piece_end_of_word(end) - window.first_piece <= max_pieces) ++end;
    if (end == start) {  // one word longer than the whole window: keep its first pieces
      end = start + 1;
      window.end_piece = window.first_piece + max_pieces;
    } else {
      window.end_piece = piece_end_of_word(end - 1);
    }
    window.end_word = end;
    windows.push_back(window);
    if (end >= num_words) break;
    // The next window starts at the first word that lies within the last overlap_pieces pieces,
    // but always moves forward by at least one word.
    int next = end;
    while (next - 1 > start && window.end_piece - word_first_piece[next - 1] <= overlap_pieces) --next;
    start = std::max(next, start + 1);
  }
  return windows;
}

std::vector<int> assign_words(const std::vector<Window>& windows, int num_words) {
  std::vector<int> owner(num_words, -1);
  std::vector<int> margin(num_words, -1);
  for (int w = 0; w < static_cast<int>(windows.size()); ++w) {
    const Window& window = windows[w];
    for (int word = window.first_word; word < window.end_word; ++word) {
      // Distance to the nearer edge; a sentence edge is not a window edge.
      int left = window.first_word == 0 ? num_words : word - window.first_word;
      int right = window.end_word == num_words ? num_words : window.end_word - 1 - word;
      int distance = std::min(left, right);
      if (distance > margin[word]) {
        margin[word] = distance;
        owner[word] = w;
      }
    }
  }
  return owner;
}

}  // namespace alsel
