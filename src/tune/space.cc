#include "tune/space.h"

#include <algorithm>

#include <fmt/format.h>

namespace coreflow {

std::string TuneConfig::Describe(const std::vector<std::string>& param_names) const {
  std::string s = fmt::format("-j {} -t {}", slots, threads);
  if (batch > 1) s += fmt::format(" -N {}", batch);
  if (bind) s += " --bind";
  for (size_t i = 0; i < params.size(); ++i) {
    s += fmt::format(" {}={}", i < param_names.size() ? param_names[i] : "param", params[i]);
  }
  return s;
}

std::vector<std::string> TuneSpace::param_names() const {
  std::vector<std::string> names;
  for (const TuneParam& p : params) names.push_back(p.name);
  return names;
}

std::vector<int> ThreadChoices(const TuneSpace& space) {
  int cores = std::max(space.cores, 1);
  std::vector<int> out;
  for (int t = 1; t <= cores; t *= 2) out.push_back(t);
  out.push_back(cores);
  for (int g : space.group_cores) {
    if (g >= 1 && g <= cores) out.push_back(g);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<size_t> BatchChoices(const TuneSpace& space) {
  size_t max = std::max<size_t>(space.max_batch, 1);
  std::vector<size_t> out;
  for (size_t b = 1; b <= max; b *= 2) out.push_back(b);
  if (out.back() != max) out.push_back(max);
  return out;
}

TuneConfig MakeConfig(const TuneSpace& space, int threads, size_t batch, bool bind,
                      const std::vector<std::string>* params) {
  TuneConfig c;
  c.threads = std::max(threads, 1);
  c.slots = std::max(std::max(space.cores, 1) / c.threads, 1);
  if (space.max_slots > 0) c.slots = std::min(c.slots, space.max_slots);
  c.batch = std::max<size_t>(batch, 1);
  c.bind = space.try_bind ? bind : space.bind;
  if (params != nullptr) {
    c.params = *params;
  } else {
    for (const TuneParam& p : space.params) c.params.push_back(p.values.empty() ? "" : p.values[0]);
  }
  return c;
}

TuneConfig DefaultConfig(const TuneSpace& space) {
  return MakeConfig(space, 1, std::max<size_t>(space.max_batch, 1), space.bind);
}

}  // namespace coreflow
