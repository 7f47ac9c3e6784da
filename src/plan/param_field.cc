#include "plan/param_field.h"

#include <algorithm>

#include <fmt/format.h>

namespace coreflow {

int ParamFieldAt(std::string_view line, size_t i, const FieldScope& scope, std::string_view what,
                 Field* field, std::string* err) {
  constexpr std::string_view kOpen = "{param:";
  if (line.substr(i, kOpen.size()) != kOpen) return 0;
  size_t close = line.find('}', i);
  size_t from = i + kOpen.size();
  std::string name(line.substr(from, close == std::string_view::npos ? 0 : close - from));
  if (close == std::string_view::npos || name.empty() ||
      std::find(scope.params.begin(), scope.params.end(), name) == scope.params.end()) {
    *err = fmt::format("{} '{}' uses {{param:{}}}, but no --tune-param names '{}'", what, line,
                       name, name);
    return -1;
  }
  *field = Field{Field::Kind::kParam, 0, Transform::kNone, false, name};
  return static_cast<int>(close - i + 1);
}

}  // namespace coreflow
