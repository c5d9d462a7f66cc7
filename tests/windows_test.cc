#include "alsel/text/windows.h"

#include <gtest/gtest.h>

#include <numeric>

namespace alsel {
namespace {

std::vector<int> one_piece_per_word(int words) {
  std::vector<int> first(words);
  std::iota(first.begin(), first.end(), 0);
  return first;
}

TEST(WindowsTest, ShortSentenceIsOneWindow) {
  auto windows = plan_windows(one_piece_per_word(5), 5, 10, 2);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].first_word, 0);
  EXPECT_EQ(windows[0].end_word, 5);
  EXPECT_EQ(windows[0].end_piece, 5);
  EXPECT_EQ(assign_words(windows, 5), (std::vector<int>{0, 0, 0, 0, 0}));
}

TEST(WindowsTest, LongSentenceIsCoveredByOverlappingWindowsWithinTheLimit) {
  const int words = 100, max_pieces = 10, overlap = 4;
  auto windows = plan_windows(one_piece_per_word(words), words, max_pieces, overlap);
  ASSERT_GT(windows.size(), 1u);
  EXPECT_EQ(windows.front().first_word, 0);
  EXPECT_EQ(windows.back().end_word, words);
  for (size_t i = 0; i < windows.size(); ++i) {
    EXPECT_LE(windows[i].end_piece - windows[i].first_piece, max_pieces) << i;
    if (i > 0) {
      EXPECT_GT(windows[i].first_word, windows[i - 1].first_word) << i;
      EXPECT_EQ(windows[i - 1].end_word - windows[i].first_word, overlap) << "overlap of window " << i;
    }
  }
  std::vector<int> owner = assign_words(windows, words);
  for (int w = 0; w < words; ++w) {
    ASSERT_GE(owner[w], 0) << w;
    const Window& window = windows[owner[w]];
    EXPECT_GE(w, window.first_word);
    EXPECT_LT(w, window.end_word);
  }
  // A word in the overlap of windows 0 and 1 goes to the window where it is more central.
  EXPECT_EQ(owner[windows[1].first_word], 0);
  EXPECT_EQ(owner[windows[0].end_word - 1], 1);
}

TEST(WindowsTest, MultiPieceWordsAreNeverSplitAcrossWindows) {
  // Words of 3 pieces each: 0,3,6,...
  std::vector<int> first;
  for (int w = 0; w < 20; ++w) first.push_back(w * 3);
  auto windows = plan_windows(first, 60, 10, 3);
  for (const Window& window : windows) {
    EXPECT_EQ(window.first_piece, first[window.first_word]);
    EXPECT_EQ(window.end_piece % 3, 0);
    EXPECT_LE(window.end_piece - window.first_piece, 10);
  }
  EXPECT_EQ(windows.back().end_word, 20);
}

TEST(WindowsTest, WordLongerThanTheWindowKeepsItsFirstPieces) {
  auto windows = plan_windows({0, 1, 31}, 32, 8, 2);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[1].first_word, 1);
  EXPECT_EQ(windows[1].end_word, 2);
  EXPECT_EQ(windows[1].end_piece - windows[1].first_piece, 8);
}

TEST(WindowsTest, RejectsBadArguments) {
  EXPECT_THROW(plan_windows({0}, 1, 0, 0), std::invalid_argument);
  EXPECT_THROW(plan_windows({0}, 1, 4, 4), std::invalid_argument);
}

}  // namespace
}  // namespace alsel
