#include "plan/quote.h"

namespace coreflow {
namespace {

bool IsPlainWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '+' || c == '.' || c == '/';
}

}  // namespace

void AppendShellQuoted(std::string_view value, std::string* out) {
  bool plain = !value.empty();
  for (unsigned char c : value) {
    if (!IsPlainWordChar(c)) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out->append(value);
    return;
  }
  // Inside single quotes only ' itself is special; it becomes '"'"'.
  size_t begin = out->size();
  out->push_back('\'');
  for (char c : value) {
    if (c == '\'') {
      out->append("'\"'\"'");
    } else {
      out->push_back(c);
    }
  }
  out->push_back('\'');
  // Like GNU parallel, drop the empty '' that a leading or trailing ' leaves behind, so ' is
  // written "'" rather than ''"'"''.
  if (!value.empty() && value.back() == '\'') out->resize(out->size() - 2);
  if (!value.empty() && value.front() == '\'') out->erase(begin, 2);
}

std::string ShellQuote(std::string_view value) {
  std::string out;
  AppendShellQuoted(value, &out);
  return out;
}

}  // namespace coreflow
