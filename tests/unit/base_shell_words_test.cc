#include "base/shell_words.h"

#include <gtest/gtest.h>

namespace coreflow {
namespace {

std::vector<std::string> Split(std::string_view text) {
  std::vector<std::string> words;
  std::string err;
  EXPECT_TRUE(SplitShellWords(text, &words, &err)) << text << ": " << err;
  return words;
}

TEST(ShellWordsTest, SplitsAsAShellWouldWithoutExpanding) {
  using W = std::vector<std::string>;
  EXPECT_EQ(Split("  -j4   python f.py {} "), (W{"-j4", "python", "f.py", "{}"}));
  EXPECT_EQ(Split("sh -c 'echo $1 \"x\"' x"), (W{"sh", "-c", "echo $1 \"x\"", "x"}));
  EXPECT_EQ(Split("a\"b c\"d"), (W{"ab cd"}));
  EXPECT_EQ(Split("\"\\$HOME \\\" \\n\""), (W{"$HOME \" \\n"}));
  EXPECT_EQ(Split("a\\ b \\'c"), (W{"a b", "'c"}));
  EXPECT_EQ(Split("'' x"), (W{"", "x"}));
  EXPECT_EQ(Split(""), W{});
}

TEST(ShellWordsTest, UnclosedQuotesAndALoneBackslashAreErrors) {
  std::vector<std::string> words;
  std::string err;
  EXPECT_FALSE(SplitShellWords("echo 'x", &words, &err));
  EXPECT_EQ(err, "has a ' that is not closed");
  EXPECT_FALSE(SplitShellWords("echo \"x", &words, &err));
  EXPECT_FALSE(SplitShellWords("echo x\\", &words, &err));
  EXPECT_EQ(err, "ends in a lone backslash");
}

}  // namespace
}  // namespace coreflow
