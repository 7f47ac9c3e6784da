#include "engine/thread_env.h"

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

}  // namespace coreflow
