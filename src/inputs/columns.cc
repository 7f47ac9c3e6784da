#include "inputs/columns.h"

#include <cctype>

#include <fmt/format.h>

namespace coreflow {
namespace {

bool IsPerlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && IsPerlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsPerlSpace(s.back())) s.remove_suffix(1);
  return s;
}

// The character an escape such as \t stands for in a Perl regex, when it is a plain one.
bool PlainEscape(std::string_view pattern, size_t i, char* out) {
  char c = pattern[i];
  if (!std::isalnum(static_cast<unsigned char>(c))) {
    *out = c;  // \| \. \, \\ \  : the character itself
    return true;
  }
  switch (c) {
    case 't':
      *out = '\t';
      return true;
    case 'n':
      *out = '\n';
      return true;
    case 'r':
      *out = '\r';
      return true;
    case 'f':
      *out = '\f';
      return true;
    case 'e':
      *out = '\x1b';
      return true;
    case 'a':
      *out = '\a';
      return true;
    case '0':  // \0 alone is NUL; \012 is octal, left to the regex engine
      *out = '\0';
      return i + 1 >= pattern.size() || !std::isdigit(static_cast<unsigned char>(pattern[i + 1]));
    default:
      return false;  // \s \d \w \b \x41 ...: regex syntax
  }
}

}  // namespace

bool LiteralPattern(std::string_view pattern, std::string* literal) {
  literal->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    switch (c) {
      case '\\': {
        char plain;
        if (i + 1 >= pattern.size() || !PlainEscape(pattern, i + 1, &plain)) return false;
        literal->push_back(plain);
        ++i;
        continue;
      }
      case '^':
      case '$':
      case '.':
      case '|':
      case '?':
      case '*':
      case '+':
      case '(':
      case ')':
      case '[':
        return false;
      case '{':  // a quantifier such as {2} or {1,3}; a lone brace is literal in Perl
        if (i + 1 < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[i + 1]))) {
          return false;
        }
        break;
      default:
        break;
    }
    literal->push_back(c);
  }
  return true;
}

bool ColumnSplitter::Init(std::string_view separator, bool trim, std::string* err) {
  trim_ = trim;
  regex_.reset();
  if (separator.empty()) {
    *err =
        "--colsep is empty: give the text or regular expression between columns, e.g. "
        "--colsep ',' or --colsep '\\t'";
    return false;
  }
  if (LiteralPattern(separator, &literal_) && !literal_.empty()) return true;
  try {
    regex_ = std::make_shared<const std::regex>(std::string(separator), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    *err = fmt::format(
        "--colsep '{}' is not a valid regular expression ({}); escape special characters with "
        "a backslash, e.g. --colsep '\\|'",
        separator, e.what());
    return false;
  }
  return true;
}

void ColumnSplitter::Add(std::string_view column, std::vector<std::string>* out) const {
  out->emplace_back(trim_ ? Trimmed(column) : column);
}

void ColumnSplitter::Split(std::string_view value, std::vector<std::string>* out) const {
  if (regex_ != nullptr) {
    SplitRegex(value, out);
    return;
  }
  size_t start = 0;
  for (;;) {
    size_t hit =
        literal_.size() == 1 ? value.find(literal_[0], start) : value.find(literal_, start);
    if (hit == std::string_view::npos) break;
    Add(value.substr(start, hit - start), out);
    start = hit + literal_.size();
  }
  Add(value.substr(start), out);
}

// Perl's split: a match that is empty where a field begins splits nothing (so `x*` splits "ab"
// into a, b and a last empty field), and the text of each group of the match is a field too.
void ColumnSplitter::SplitRegex(std::string_view value, std::vector<std::string>* out) const {
  using Iter = std::string_view::const_iterator;
  std::match_results<Iter> m;
  size_t field = 0;
  size_t search = 0;
  while (search <= value.size()) {
    auto flags =
        search > 0 ? std::regex_constants::match_prev_avail : std::regex_constants::match_default;
    if (!std::regex_search(value.begin() + static_cast<std::ptrdiff_t>(search), value.end(), m,
                           *regex_, flags)) {
      break;
    }
    auto at = static_cast<size_t>(m[0].first - value.begin());
    auto end = static_cast<size_t>(m[0].second - value.begin());
    if (end == at && at == field) {
      search = at + 1;
      continue;
    }
    Add(value.substr(field, at - field), out);
    for (size_t g = 1; g < m.size(); ++g) {
      auto from = static_cast<size_t>(m[g].first - value.begin());
      Add(m[g].matched ? value.substr(from, static_cast<size_t>(m[g].length())) : "", out);
    }
    field = end;
    search = end == at ? at + 1 : end;
  }
  Add(value.substr(field), out);
}

}  // namespace coreflow
