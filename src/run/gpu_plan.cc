#include "run/gpu_plan.h"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "base/parse.h"
#include "schedule/gpu_pool.h"

namespace coreflow {
namespace {

std::vector<std::string> SplitCommas(std::string_view text) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find(',', begin);
    if (end == std::string_view::npos) end = text.size();
    out.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

}  // namespace

bool GpuAskShares(double gpus, std::string_view what, int* shares, std::string* err) {
  if (!std::isfinite(gpus) || gpus <= 0 || gpus > kMaxGpus) {
    *err = fmt::format("{} must be a number of GPUs such as 1, 2 or 0.5 (a share of one)", what);
    return false;
  }
  if (gpus > 1 && gpus != std::floor(gpus)) {
    *err = fmt::format(
        "{} {}: a task gets a share of one GPU or whole GPUs; give 1, 2 ... or less than 1", what,
        gpus);
    return false;
  }
  *shares = static_cast<int>(std::lround(gpus * kGpuWhole));
  if (*shares < 1) {
    *err = fmt::format("{} {} is less than a thousandth of a GPU", what, gpus);
    return false;
  }
  return true;
}

bool ParseGpuAsk(std::string_view text, std::string_view what, int* shares, std::string* err) {
  double gpus = 0;
  if (!ParseDouble(text, &gpus)) {
    *err = fmt::format("{} '{}' is not a number of GPUs; give 1, 2 or 0.5 (a share of one)", what,
                       text);
    return false;
  }
  return GpuAskShares(gpus, what, shares, err);
}

bool ParseGpuList(std::string_view text, std::vector<std::string>* ids, std::string* err) {
  std::vector<std::string> out = SplitCommas(text);
  std::set<std::string> seen;
  for (const std::string& id : out) {
    if (id.empty() || id.find_first_of(" \t\n") != std::string::npos) {
      *err = fmt::format(
          "--gpus '{}': give the devices' ids separated by commas, e.g. --gpus 0,1 or "
          "--gpus GPU-5f3c...,MIG-9a1b...",
          text);
      return false;
    }
    if (!seen.insert(id).second) {
      *err = fmt::format("--gpus '{}' names device '{}' twice", text, id);
      return false;
    }
  }
  if (out.size() > static_cast<size_t>(kMaxGpus)) {
    *err = fmt::format("--gpus names {} devices; coreflow shares out at most {} per node",
                       out.size(), kMaxGpus);
    return false;
  }
  *ids = std::move(out);
  return true;
}

bool VisibleDevicesFromEnvironment(const Environment& env, std::vector<std::string>* ids,
                                   std::string* which) {
  for (const char* name : {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES"}) {
    const std::string* value = env.Get(name);
    if (value == nullptr) continue;
    *which = name;
    ids->clear();
    for (const std::string& id : SplitCommas(*value)) {
      // CUDA stops at the first entry that names no device: "-1" or "" hide the rest.
      if (id.empty() || id == "-1" || id == "NoDevFiles") break;
      if (ids->size() < static_cast<size_t>(kMaxGpus)) ids->push_back(id);
    }
    return true;
  }
  return false;
}

std::vector<std::string> DeviceIds(const GpuList& found) {
  std::vector<std::string> ids;
  for (const Gpu& g : found.gpus) {
    if (!g.mig_uuids.empty()) {
      ids.insert(ids.end(), g.mig_uuids.begin(), g.mig_uuids.end());
    } else {
      ids.push_back(g.uuid.empty() ? std::to_string(g.index) : g.uuid);
    }
  }
  if (ids.size() > static_cast<size_t>(kMaxGpus)) ids.resize(kMaxGpus);
  return ids;
}

bool CheckGpuAsk(int shares, std::string_view what, size_t devices, std::string_view source,
                 std::string* err) {
  if (ValidGpuAsk(shares, static_cast<int>(devices))) return true;
  if (devices == 0) {
    *err = fmt::format("{} asks for GPUs, but {}; name the devices with --gpus LIST", what, source);
  } else {
    *err = fmt::format("{} asks for {} GPUs, and {} gives {}; ask for fewer or give more", what,
                       shares / kGpuWhole, source, devices);
  }
  return false;
}

}  // namespace coreflow
