#include "engine/thread_env.h"

#include "base/parse.h"

namespace coreflow {

std::vector<ThreadVariable> ApplyThreadVariables(int threads, bool explicit_threads,
                                                 Environment* env) {
  std::vector<ThreadVariable> chosen;
  auto apply = [&](const char* name, const std::string& value) {
    const std::string* user = env->Get(name);
    if (user != nullptr && !explicit_threads) {
      chosen.push_back({name, *user, "your environment"});
      return;
    }
    env->Set(name, value);
    chosen.push_back({name, value, explicit_threads ? "-t" : "coreflow default"});
  };
  std::string count = std::to_string(threads);
  for (const char* name : kThreadCountVariables) apply(name, count);
  // MKL would otherwise lower the thread count on its own and defeat the plan.
  apply("MKL_DYNAMIC", "FALSE");
  return chosen;
}

bool FindExportedThreads(const Environment& env, int threads, ThreadVariable* out) {
  for (const char* name : kThreadCountVariables) {
    const std::string* value = env.Get(name);
    if (value == nullptr) continue;
    // OMP_NUM_THREADS may list nested levels ("8,2"): the first is the team a task starts.
    std::string first = value->substr(0, value->find(','));
    int64_t n = 0;
    if (!ParseInt(first, &n) || n < 1 || n == threads) continue;
    *out = {name, first, "your environment"};
    return true;
  }
  return false;
}

}  // namespace coreflow
