// Overlapping windows for sentences longer than the model's max_len.
//
//   auto windows = alsel::plan_windows(encoding.word_first_token, encoding.ids.size(), 254, 64);
//   auto owner = alsel::assign_words(windows, encoding.word_first_token.size());
//
// A sentence is never truncated: it is cut at word boundaries into windows of at most
// `max_pieces` wordpieces, consecutive windows sharing about `overlap_pieces` pieces of
// context. Each word takes its emissions from the window in which it lies farthest from an
// edge, so every word is scored with context on both sides where the sentence allows it.
#pragma once

#include <vector>

namespace alsel {

struct Window {
  int first_word = 0;   // first word of the window
  int end_word = 0;     // one past the last word
  int first_piece = 0;  // first wordpiece (index into the sentence's pieces)
  int end_piece = 0;    // one past the last wordpiece; end_piece - first_piece <= max_pieces
};

// word_first_piece: per word, the index of its first wordpiece (ascending); num_pieces: total
// pieces. A single word longer than max_pieces keeps its first max_pieces pieces (only the
// first piece represents the word). Requires max_pieces >= 1 and 0 <= overlap_pieces < max_pieces.
std::vector<Window> plan_windows(const std::vector<int>& word_first_piece, int num_pieces,
                                 int max_pieces, int overlap_pieces);

// Per word: the index of the window whose emissions represent it.
std::vector<int> assign_words(const std::vector<Window>& windows, int num_words);

}  // namespace alsel
