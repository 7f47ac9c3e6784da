#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace coreflow {

// Splits an input value into columns, as GNU parallel's --colsep does with Perl's split: the
// separator is a regular expression, every field is kept (leading and trailing empty ones too),
// text that a group ( ) of the separator captures becomes a column of its own, and an empty
// value is one empty column. A separator without regex syntax (",", "\t", "::", "\|") is
// matched as a plain string, without a regex engine.
class ColumnSplitter {
 public:
  // `trim`: remove white space around each column (GNU parallel's --trim lr, which --colsep
  // implies). False with *err naming the problem for an empty or invalid separator.
  bool Init(std::string_view separator, bool trim, std::string* err);

  // Appends the columns of `value` to *out.
  void Split(std::string_view value, std::vector<std::string>* out) const;

  bool is_literal() const { return regex_ == nullptr; }
  const std::string& literal() const { return literal_; }

 private:
  void SplitRegex(std::string_view value, std::vector<std::string>* out) const;
  void Add(std::string_view column, std::vector<std::string>* out) const;

  std::string literal_;                      // the separator, when it is a plain string
  std::shared_ptr<const std::regex> regex_;  // otherwise; shared: a splitter is copied freely
  bool trim_ = false;
};

// The plain string a Perl regular expression stands for when it has no regex syntax: letters,
// digits, blanks and escapes such as \t, \n, \| or \. only. False when it needs a regex engine.
bool LiteralPattern(std::string_view pattern, std::string* literal);

}  // namespace coreflow
