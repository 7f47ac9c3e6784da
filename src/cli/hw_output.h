#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/hw_info.h"

namespace coreflow {

// `coreflow hw --json`: one object, documented field by field in docs/hw.md.
nlohmann::json HwJson(const HwInfo& info);

// `coreflow hw`: a short aligned listing for people.
std::string HwText(const HwInfo& info);

}  // namespace coreflow
