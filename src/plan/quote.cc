#include "plan/quote.h"

namespace coreflow {
namespace {

bool IsPlainWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '-' || c == '+' || c == '.' || c == '/';
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
  out->push_back('\'');
  for (char c : value) {
    if (c == '\'') {
      out->append("'\"'\"'");
    } else {
      out->push_back(c);
    }
  }
  out->push_back('\'');
}

std::string ShellQuote(std::string_view value) {
  std::string out;
  AppendShellQuoted(value, &out);
  return out;
}

}  // namespace coreflow
