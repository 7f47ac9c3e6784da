#include <fmt/format.h>

#include <set>

#include "base/parse.h"
#include "tune/space.h"

namespace coreflow {
namespace {

// A..B:xF or A..B:+S, as whole numbers; false when `spec` is not a range.
bool ParseRange(std::string_view spec, std::vector<std::string>* values, std::string* err) {
  size_t dots = spec.find("..");
  size_t colon = spec.find(':');
  if (dots == std::string_view::npos || colon == std::string_view::npos || colon < dots) {
    *err = "a range is A..B:xF or A..B:+S, e.g. 1..64:x2";
    return false;
  }
  int64_t from = 0, to = 0, step = 0;
  std::string_view how = spec.substr(colon + 1);
  if (!ParseInt(spec.substr(0, dots), &from) ||
      !ParseInt(spec.substr(dots + 2, colon - dots - 2), &to) || how.size() < 2 ||
      (how[0] != 'x' && how[0] != '+') || !ParseInt(how.substr(1), &step)) {
    *err = "a range is A..B:xF or A..B:+S with whole numbers, e.g. 1..64:x2";
    return false;
  }
  bool times = how[0] == 'x';
  if (from > to || (times ? (step < 2 || from < 1) : step < 1)) {
    *err = "a range must go up: A <= B, and xF with F >= 2 (and A >= 1), or +S with S >= 1";
    return false;
  }
  for (int64_t v = from; v <= to && values->size() <= 1000; v = times ? v * step : v + step) {
    values->push_back(std::to_string(v));
  }
  if (values->size() > 1000) {
    *err = "a range of more than 1000 values is too many to search";
    return false;
  }
  return true;
}

}  // namespace

bool ParseTuneParam(const std::string& text, TuneParam* out, std::string* err) {
  size_t eq = text.find('=');
  std::string why;
  out->name = text.substr(0, eq);
  out->values.clear();
  bool named = eq != std::string::npos && eq > 0 &&
               out->name.find_first_not_of(
                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789_") == std::string::npos;
  if (!named) {
    *err = fmt::format("--tune-param '{}': write NAME=V1,V2,... (NAME of letters, digits and _)",
                       text);
    return false;
  }
  std::string_view spec = std::string_view(text).substr(eq + 1);
  if (spec.find("..") != std::string_view::npos) {
    if (!ParseRange(spec, &out->values, &why)) {
      *err = fmt::format("--tune-param '{}': {}", text, why);
      return false;
    }
  } else {
    std::set<std::string> seen;
    size_t from = 0;
    for (;;) {
      size_t comma = spec.find(',', from);
      std::string value(spec.substr(from, comma == std::string_view::npos ? comma : comma - from));
      if (value.empty() || !seen.insert(value).second) {
        *err = fmt::format("--tune-param '{}': {} value", text,
                           value.empty() ? "an empty" : "a repeated");
        return false;
      }
      out->values.push_back(value);
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
  }
  if (out->values.size() < 2) {
    *err = fmt::format("--tune-param '{}': give two values or more to choose from", text);
    return false;
  }
  return true;
}

}  // namespace coreflow
