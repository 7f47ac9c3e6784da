#pragma once

#include <string>
#include <string_view>

#include "plan/template.h"

namespace coreflow {

// {param:NAME} at line[i] (--tune-param, docs/tuning.md): its length with *field filled, 0 when
// line[i] starts something else, -1 with *err when NAME is not a parameter in `scope`.
int ParamFieldAt(std::string_view line, size_t i, const FieldScope& scope, std::string_view what,
                 Field* field, std::string* err);

}  // namespace coreflow
