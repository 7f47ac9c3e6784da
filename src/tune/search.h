#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "tune/space.h"

namespace coreflow {

enum class TuneMode {
  kQuick,       // each thread count once, nothing else varied
  kDefault,     // seeds halved, coordinate descent from the best, the best two A/B/A/B
  kExhaustive,  // every combination, twice
};
bool ParseTuneMode(const std::string& text, TuneMode* out);

struct TrialResult {
  TuneConfig config;
  double rate = 0;    // inputs per second in the steady window
  double spread = 1;  // noise: the rate's 95 % confidence half-width, as a fraction
  size_t inputs = 0;  // inputs the trial used up
};

// Decides which configurations to measure, in order, and which one wins (DESIGN.md,
// "Autotuning"). Pure: it is told each trial's result and never measures anything itself.
class TuneSearch {
 public:
  TuneSearch(TuneSpace space, TuneMode mode);

  // The configuration to measure next; nullopt once the search is over.
  std::optional<TuneConfig> Next();
  void Report(const TrialResult& result);  // the result of the last Next()
  TuneConfig Winner() const;               // the best measured (the default before any)
  double WinnerRate() const;
  const std::vector<TrialResult>& trials() const { return trials_; }
  const std::deque<TuneConfig>& queued() const { return queue_; }  // planned after the last Next()
  const TuneSpace& space() const { return space_; }

  // A move is taken only when it beats the current one by more than this fraction:
  // max(3 %, twice the larger noise of the two).
  static double Threshold(const TrialResult& a, const TrialResult& b);

 private:
  void Plan();            // refills the queue from what was measured
  void PlanFirstRound();  // the seeds, or the whole grid
  std::vector<std::vector<std::string>> ParamGrid() const;  // every combination of values
  bool Descend();  // one dimension at a time; false once all three are done
  bool Confirm();  // false when there is nothing to confirm
  // Successive halving over the seeds; true while a round is queued, false once one is left.
  bool Halve();
  const TrialResult* Best(const TuneConfig& c) const;
  double Median(const TuneConfig& c) const;
  bool Measured(const TuneConfig& c) const { return Best(c) != nullptr; }
  std::vector<TuneConfig> Neighbours(const TuneConfig& c, int dimension) const;

  TuneSpace space_;
  TuneMode mode_;
  std::vector<int> threads_;
  std::vector<size_t> batches_;
  std::deque<TuneConfig> queue_;
  std::vector<TrialResult> trials_;
  TuneConfig current_;
  std::vector<TuneConfig> survivors_;  // default mode: the seeds still in the running
  // Default mode: 0 threads, 1 batch, 2 pinning, 3 + i the i-th parameter; then confirm
  // (Dimensions()), then done.
  int dimension_ = 0;
  int Dimensions() const { return 3 + static_cast<int>(space_.params.size()); }
  bool started_ = false;
  bool done_ = false;
};

}  // namespace coreflow
