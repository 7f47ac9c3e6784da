#include "run/shard_flag.h"

#include <fmt/format.h>

#include "base/parse.h"

namespace coreflow {
namespace {

constexpr int64_t kMaxShards = 1'000'000;

// A whole number in [min, kMaxShards] from the environment; false when unset.
bool Var(const Environment& env, const char* name, int64_t min, int64_t* out, std::string* err) {
  const std::string* value = env.Get(name);
  if (value == nullptr || value->empty()) return false;
  if (!ParseInt(*value, out) || *out < min || *out > kMaxShards) {
    *err = fmt::format("--shard auto: {}={} is not a number from {} to {}", name, *value, min,
                       kMaxShards);
    return false;
  }
  return true;
}

bool FromArray(const Environment& env, ShardChoice* out, std::string* err) {
  int64_t id = 0, count = 0, min = 0, step = 1;
  if (!Var(env, "SLURM_ARRAY_TASK_ID", 0, &id, err) ||
      !Var(env, "SLURM_ARRAY_TASK_COUNT", 1, &count, err)) {
    return false;
  }
  if (!Var(env, "SLURM_ARRAY_TASK_MIN", 0, &min, err)) min = 0;
  if (!Var(env, "SLURM_ARRAY_TASK_STEP", 1, &step, err)) step = 1;
  if (!err->empty()) return false;
  if (id < min || (id - min) % step != 0 || (id - min) / step >= count) {
    *err = fmt::format(
        "--shard auto: array task {} is not one of {} tasks from {} in steps of {}; an array "
        "with gaps (--array=1,5,9) cannot be split: give --shard i/n",
        id, count, min, step);
    return false;
  }
  out->index = static_cast<uint32_t>((id - min) / step);
  out->count = static_cast<uint32_t>(count);
  out->from = "SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT";
  return true;
}

bool FromStep(const Environment& env, ShardChoice* out, std::string* err) {
  int64_t rank = 0, tasks = 0;
  if (!Var(env, "SLURM_PROCID", 0, &rank, err) || !Var(env, "SLURM_NTASKS", 1, &tasks, err)) {
    return false;
  }
  if (rank >= tasks) {
    *err = fmt::format("--shard auto: SLURM_PROCID={} is not below SLURM_NTASKS={}", rank, tasks);
    return false;
  }
  out->index = static_cast<uint32_t>(rank);
  out->count = static_cast<uint32_t>(tasks);
  out->from = "SLURM_PROCID/SLURM_NTASKS";
  return true;
}

}  // namespace

bool ParseShard(const std::string& text, const Environment& env, ShardChoice* out,
                std::string* err) {
  *out = ShardChoice{};
  if (text == "auto") {
    err->clear();
    if (FromArray(env, out, err)) return true;
    if (!err->empty()) return false;
    if (FromStep(env, out, err)) return true;
    if (err->empty()) {
      *err =
          "--shard auto: neither SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (a job array) nor "
          "SLURM_PROCID/SLURM_NTASKS (srun -n N) is set; give --shard i/n";
    }
    return false;
  }
  size_t slash = text.find('/');
  int64_t i = 0, n = 0;
  if (slash == std::string::npos || !ParseInt(text.substr(0, slash), &i) ||
      !ParseInt(text.substr(slash + 1), &n) || n < 1 || n > kMaxShards || i < 1 || i > n) {
    *err = fmt::format(
        "--shard '{}': give i/n, the i-th of n parts (1 <= i <= n, e.g. 2/8), or auto", text);
    return false;
  }
  out->index = static_cast<uint32_t>(i - 1);
  out->count = static_cast<uint32_t>(n);
  return true;
}

bool ShardPath(const std::string& path, const ShardChoice& shard, bool sharded, std::string* out,
               std::string* err) {
  const std::string field = "{shard}";
  *out = path;
  size_t at = out->find(field);
  if (at == std::string::npos) return true;
  if (!sharded) {
    *err = fmt::format("'{}' names {{shard}}, but the run is not sharded: give --shard i/n or auto",
                       path);
    return false;
  }
  std::string number = std::to_string(shard.index + 1);
  for (; at != std::string::npos; at = out->find(field, at + number.size())) {
    out->replace(at, field.size(), number);
  }
  return true;
}

}  // namespace coreflow
