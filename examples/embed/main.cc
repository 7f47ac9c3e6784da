// Runs a few tasks with coreflow's C++ API and follows them with an observer: each task's
// end is printed as it comes, then the totals. Usage: embed [ITEM...]
#include <coreflow/coreflow.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

class Printer : public coreflow::TaskObserver {
 public:
  void OnTaskFinished(const coreflow::TaskEvent& e) override {
    std::fprintf(stderr, "task %llu on slot %d: %s (exit %d) after %.3f s: %s\n",
                 static_cast<unsigned long long>(e.task), e.slot, e.ok ? "ok" : "failed",
                 e.exit_code, e.seconds, e.command.c_str());
  }
};

}  // namespace

int main(int argc, char** argv) {
  coreflow::RunRequest request;
  request.command = {"sh", "-c", "echo \"item $1\"; [ \"$1\" != fail ]", "sh", "{}"};
  request.inputs.assign(argv + 1, argv + argc);
  if (request.inputs.empty()) request.inputs = {"a", "b", "c"};
  request.jobs = 2;
  request.keep_order = true;
  Printer printer;
  coreflow::RunResult result = coreflow::Run(request, &printer);
  if (!result.error.empty()) std::fprintf(stderr, "could not run: %s\n", result.error.c_str());
  std::fprintf(stderr, "coreflow %s: %llu ok, %llu failed, exit status %d\n", coreflow::Version(),
               static_cast<unsigned long long>(result.succeeded),
               static_cast<unsigned long long>(result.failed), result.exit_status);
  return result.exit_status;
}
