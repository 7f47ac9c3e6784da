#pragma once

#include <string>
#include <vector>

#include "compare/bench_session.h"

namespace coreflow {

// Runs each block as a `coreflow run` of its own in `work_dir`/rROUND/cCONFIG: its items in a
// file (`:::: items`), its journal (the block's time: its first task's start to its last
// task's end, so coreflow's and warm workers' start-up are not in it) and --results (each
// item's output and exit status, to compare).
class ChildBlockRunner final : public BlockRunner {
 public:
  // `compare`: a user's command that gets two files of output and exits 0 when they are the
  // same (empty: byte for byte).
  // `stop_fd`: a signalfd of Ctrl-C and the like; when it fires, the block's run is ended.
  ChildBlockRunner(std::string exe, std::vector<BenchConfig> configs, std::string work_dir,
                   std::vector<std::string> compare, int stop_fd)
      : exe_(std::move(exe)),
        configs_(std::move(configs)),
        work_dir_(std::move(work_dir)),
        compare_(std::move(compare)),
        stop_fd_(stop_fd) {}

  BlockRun Run(int config, int round, const std::vector<std::string>& items) override;
  bool Same(const ItemOutcome& first, const ItemOutcome& other, std::string* why) override;
  void Forget(int round) override;

 private:
  std::string RoundDir(int round) const;
  // The block's span from its journal; false with *err when no task is recorded.
  bool ReadSpan(const std::string& journal, double* seconds, std::string* err) const;
  ItemOutcome Outcome(const std::string& results, const std::string& item) const;

  std::string exe_;
  std::vector<BenchConfig> configs_;
  std::string work_dir_;
  std::vector<std::string> compare_;
  int stop_fd_;
};

}  // namespace coreflow
