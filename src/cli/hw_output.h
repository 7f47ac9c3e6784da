#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/hw_info.h"

namespace coreflow {

// `coreflow hw --json`: one object, documented field by field in docs/hw.md.
nlohmann::json HwJson(const HwInfo& info);

// `coreflow hw`: a short aligned listing for people.
std::string HwText(const HwInfo& info);

// "0-3,8,10-11": CPU numbers as Cpus_allowed_list writes them (sorted input).
std::string FormatCpuList(const std::vector<int>& cpus);

}  // namespace coreflow
