#include "schedule/halt.h"

#include <fmt/format.h>

#include "base/parse.h"

namespace coreflow {
namespace {

bool ParseThreshold(std::string_view text, HaltPolicy* out) {
  if (!text.empty() && text.back() == '%') {
    double pct = 0;
    if (!ParseDouble(text.substr(0, text.size() - 1), &pct) || pct <= 0 || pct > 100) {
      return false;
    }
    out->percent = pct;
    return true;
  }
  int64_t n = 0;
  if (!ParseInt(text, &n) || n < 1) return false;
  out->count = n;
  return true;
}

}  // namespace

bool ParseHaltPolicy(std::string_view text, HaltPolicy* out, std::string* err) {
  HaltPolicy p;
  auto bad = [&] {
    *err = fmt::format(
        "--halt '{}' is not a halt policy; use never, soon,fail=N, now,fail=N, soon,fail=N%, "
        "now,success=N or now,done=N",
        text);
    return false;
  };
  if (text == "never" || text == "0") {
    *out = p;
    return true;
  }
  if (text == "1" || text == "2" || text == "-1" || text == "-2") {
    p.when = (text == "1" || text == "-1") ? HaltPolicy::When::kSoon : HaltPolicy::When::kNow;
    p.why = text[0] == '-' ? HaltPolicy::Why::kSuccess : HaltPolicy::Why::kFail;
    p.count = 1;
    *out = p;
    return true;
  }
  size_t comma = text.find(',');
  if (comma == std::string_view::npos) {
    // GNU's "1-99%" shorthand means soon,fail=N%.
    if (!text.empty() && text.back() == '%' && ParseThreshold(text, &p)) {
      p.when = HaltPolicy::When::kSoon;
      *out = p;
      return true;
    }
    return bad();
  }
  std::string_view when = text.substr(0, comma);
  std::string_view rest = text.substr(comma + 1);
  if (when == "soon") {
    p.when = HaltPolicy::When::kSoon;
  } else if (when == "now") {
    p.when = HaltPolicy::When::kNow;
  } else {
    return bad();
  }
  size_t eq = rest.find('=');
  if (eq == std::string_view::npos) return bad();
  std::string_view why = rest.substr(0, eq);
  if (why == "fail") {
    p.why = HaltPolicy::Why::kFail;
  } else if (why == "success") {
    p.why = HaltPolicy::Why::kSuccess;
  } else if (why == "done") {
    p.why = HaltPolicy::Why::kDone;
  } else {
    return bad();
  }
  if (!ParseThreshold(rest.substr(eq + 1), &p)) return bad();
  *out = p;
  return true;
}

}  // namespace coreflow
