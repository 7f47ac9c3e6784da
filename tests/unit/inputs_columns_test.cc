#include "inputs/columns.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace coreflow {
namespace {

using Columns = std::vector<std::string>;

Columns Split(std::string_view separator, std::string_view value, bool trim = false) {
  ColumnSplitter s;
  std::string err;
  EXPECT_TRUE(s.Init(separator, trim, &err)) << separator << ": " << err;
  Columns out;
  s.Split(value, &out);
  return out;
}

// ---- plain separators (no regex engine) ----

TEST(LiteralPatternTest, PlainTextAndEscapesAreLiteral) {
  std::string lit;
  ASSERT_TRUE(LiteralPattern(",", &lit));
  EXPECT_EQ(lit, ",");
  ASSERT_TRUE(LiteralPattern("\\t", &lit));
  EXPECT_EQ(lit, "\t");
  ASSERT_TRUE(LiteralPattern("::", &lit));
  EXPECT_EQ(lit, "::");
  ASSERT_TRUE(LiteralPattern("\\|", &lit));
  EXPECT_EQ(lit, "|");
  ASSERT_TRUE(LiteralPattern("a\\.b", &lit));
  EXPECT_EQ(lit, "a.b");
  ASSERT_TRUE(LiteralPattern("\\\\", &lit));
  EXPECT_EQ(lit, "\\");
  ASSERT_TRUE(LiteralPattern(" ", &lit));
  EXPECT_EQ(lit, " ");
  ASSERT_TRUE(LiteralPattern("\\r\\n", &lit));
  EXPECT_EQ(lit, "\r\n");
  ASSERT_TRUE(LiteralPattern("-", &lit));
  ASSERT_TRUE(LiteralPattern("{x}", &lit));  // a brace that is no quantifier
  EXPECT_EQ(lit, "{x}");
}

TEST(LiteralPatternTest, RegexSyntaxNeedsTheEngine) {
  std::string lit;
  for (const char* p : {"|", ".", "a+", "\\s+", "[,;]", "(,)", "^a", "a$", "x*", "a?", "\\d",
                        "\\x2c", "a{2}", "\\", "\\012"}) {
    EXPECT_FALSE(LiteralPattern(p, &lit)) << p;
  }
}

TEST(ColumnSplitterTest, LiteralSeparators) {
  ColumnSplitter s;
  std::string err;
  ASSERT_TRUE(s.Init("\\t", true, &err));
  EXPECT_TRUE(s.is_literal());
  EXPECT_EQ(Split(",", "a,b,c"), (Columns{"a", "b", "c"}));
  EXPECT_EQ(Split("\\t", "a\tb"), (Columns{"a", "b"}));
  EXPECT_EQ(Split("::", "a::b:c::"), (Columns{"a", "b:c", ""}));
  EXPECT_EQ(Split("\\|", "a|b"), (Columns{"a", "b"}));
}

TEST(ColumnSplitterTest, KeepsEmptyFieldsAsPerlSplitWithNegativeLimit) {
  EXPECT_EQ(Split(",", ",a,,b,"), (Columns{"", "a", "", "b", ""}));
  EXPECT_EQ(Split(",", ""), (Columns{""}));  // an empty value is one empty column
  EXPECT_EQ(Split(",", "abc"), (Columns{"abc"}));
}

TEST(ColumnSplitterTest, TrimsWhiteSpaceAroundColumns) {
  EXPECT_EQ(Split(",", " a , b\r", true), (Columns{"a", "b"}));
  EXPECT_EQ(Split(",", "\t\v\f", true), (Columns{""}));
  EXPECT_EQ(Split(",", " a , b ", false), (Columns{" a ", " b "}));
}

// ---- regular expressions ----

TEST(ColumnSplitterTest, RegexSeparators) {
  ColumnSplitter s;
  std::string err;
  ASSERT_TRUE(s.Init("[,;]+", true, &err));
  EXPECT_FALSE(s.is_literal());
  EXPECT_EQ(Split("[,;]+", "a,;b;c"), (Columns{"a", "b", "c"}));
  EXPECT_EQ(Split("\\s+", " a  b "), (Columns{"", "a", "b", ""}));
  EXPECT_EQ(Split("\\s+", " a  b ", true), (Columns{"", "a", "b", ""}));
  EXPECT_EQ(Split("^a", "aba"), (Columns{"", "ba"}));  // ^ only at the very start
}

TEST(ColumnSplitterTest, GroupsOfTheSeparatorAreColumnsToo) {
  EXPECT_EQ(Split("(,)", "a,b"), (Columns{"a", ",", "b"}));
  EXPECT_EQ(Split("(,)|(;)", "a;b"), (Columns{"a", "", ";", "b"}));
  EXPECT_EQ(Split("(?:,)", "a,b"), (Columns{"a", "b"}));
}

TEST(ColumnSplitterTest, EmptyMatchesSplitAsPerlDoes) {
  // perl -e 'print join "|", split /x*/, "ab", -1' prints a|b|
  EXPECT_EQ(Split("x*", "ab"), (Columns{"a", "b", ""}));
  EXPECT_EQ(Split("x*", "axxb"), (Columns{"a", "b", ""}));
  EXPECT_EQ(Split("x*", ""), (Columns{""}));
}

TEST(ColumnSplitterTest, BadSeparatorsAreErrors) {
  ColumnSplitter s;
  std::string err;
  EXPECT_FALSE(s.Init("", true, &err));
  EXPECT_NE(err.find("--colsep is empty"), std::string::npos) << err;
  EXPECT_FALSE(s.Init("(", true, &err));
  EXPECT_NE(err.find("--colsep '(' is not a valid regular expression"), std::string::npos) << err;
  EXPECT_FALSE(s.Init("[a", true, &err));
}

}  // namespace
}  // namespace coreflow
