#include "tune/search.h"

#include <algorithm>

namespace coreflow {
namespace {

// Whether `a` differs from `b` along `dimension` alone: 0 threads, 1 batch, 2 pinning, 3 + i
// the i-th parameter of the program.
bool Along(const TuneConfig& a, const TuneConfig& b, int dimension) {
  std::vector<bool> differs = {a.threads != b.threads, a.batch != b.batch, a.bind != b.bind};
  for (size_t i = 0; i < a.params.size() && i < b.params.size(); ++i) {
    differs.push_back(a.params[i] != b.params[i]);
  }
  for (size_t d = 0; d < differs.size(); ++d) {
    if (differs[d] != (static_cast<int>(d) == dimension)) return false;
  }
  return true;
}

}  // namespace

bool ParseTuneMode(const std::string& text, TuneMode* out) {
  if (text == "quick") {
    *out = TuneMode::kQuick;
  } else if (text == "default") {
    *out = TuneMode::kDefault;
  } else if (text == "exhaustive") {
    *out = TuneMode::kExhaustive;
  } else {
    return false;
  }
  return true;
}

TuneSearch::TuneSearch(TuneSpace space, TuneMode mode)
    : space_(std::move(space)),
      mode_(mode),
      threads_(ThreadChoices(space_)),
      batches_(BatchChoices(space_)),
      current_(DefaultConfig(space_)) {}

double TuneSearch::Threshold(const TrialResult& a, const TrialResult& b) {
  return std::max(0.03, 2 * std::max(a.spread, b.spread));
}

const TrialResult* TuneSearch::Best(const TuneConfig& c) const {
  const TrialResult* best = nullptr;
  for (const TrialResult& t : trials_) {
    if (t.config == c && (best == nullptr || t.rate > best->rate)) best = &t;
  }
  return best;
}

double TuneSearch::Median(const TuneConfig& c) const {
  std::vector<double> rates;
  for (const TrialResult& t : trials_) {
    if (t.config == c) rates.push_back(t.rate);
  }
  if (rates.empty()) return 0;
  std::sort(rates.begin(), rates.end());
  size_t n = rates.size();
  return n % 2 == 1 ? rates[n / 2] : (rates[n / 2 - 1] + rates[n / 2]) / 2;
}

std::vector<TuneConfig> TuneSearch::Neighbours(const TuneConfig& c, int dimension) const {
  std::vector<TuneConfig> out;
  auto add = [&](const TuneConfig& n) {
    if (!(n == c) && !Measured(n)) out.push_back(n);
  };
  if (dimension == 0) {  // double and halve the threads, along the choices
    auto it = std::find(threads_.begin(), threads_.end(), c.threads);
    if (it != threads_.end() && it + 1 != threads_.end()) {
      add(MakeConfig(space_, *(it + 1), c.batch, c.bind, &c.params));
    }
    if (it != threads_.end() && it != threads_.begin()) {
      add(MakeConfig(space_, *(it - 1), c.batch, c.bind, &c.params));
    }
  } else if (dimension == 1) {
    auto it = std::find(batches_.begin(), batches_.end(), c.batch);
    if (it != batches_.end() && it + 1 != batches_.end()) {
      add(MakeConfig(space_, c.threads, *(it + 1), c.bind, &c.params));
    }
    if (it != batches_.end() && it != batches_.begin()) {
      add(MakeConfig(space_, c.threads, *(it - 1), c.bind, &c.params));
    }
  } else if (dimension == 2 && space_.try_bind) {
    add(MakeConfig(space_, c.threads, c.batch, !c.bind, &c.params));
  } else if (auto i = static_cast<size_t>(dimension - 3); dimension >= 3 && i < c.params.size()) {
    // The values next to this one, in the order the user gave them.
    const std::vector<std::string>& values = space_.params[i].values;
    auto at =
        static_cast<size_t>(std::find(values.begin(), values.end(), c.params[i]) - values.begin());
    for (size_t next : {at + 1, at - 1}) {  // at - 1 wraps past the end at 0: skipped
      if (at >= values.size() || next >= values.size()) continue;
      TuneConfig n = c;
      n.params[i] = values[next];
      add(n);
    }
  }
  return out;
}

void TuneSearch::Plan() {
  if (!started_) {
    started_ = true;
    PlanFirstRound();
    return;
  }
  if (mode_ != TuneMode::kDefault) {
    done_ = true;
    return;
  }
  if (!survivors_.empty() && Halve()) return;
  if (Descend()) return;
  if (dimension_ == Dimensions() && Confirm()) return;
  done_ = true;
}

std::vector<std::vector<std::string>> TuneSearch::ParamGrid() const {
  std::vector<std::vector<std::string>> grid = {{}};
  for (const TuneParam& p : space_.params) {
    std::vector<std::vector<std::string>> wider;
    for (const std::vector<std::string>& row : grid) {
      for (const std::string& v : p.values) {
        wider.push_back(row);
        wider.back().push_back(v);
      }
    }
    grid = std::move(wider);
  }
  return grid;
}

void TuneSearch::PlanFirstRound() {
  switch (mode_) {
    case TuneMode::kQuick:
      for (int t : threads_) {
        queue_.push_back(MakeConfig(space_, t, current_.batch, current_.bind, &current_.params));
      }
      break;
    case TuneMode::kExhaustive:
      for (int round = 0; round < 2; ++round) {
        for (int t : threads_) {
          for (size_t b : batches_) {
            for (bool bind : space_.try_bind ? std::vector<bool>{false, true}
                                             : std::vector<bool>{space_.bind}) {
              for (const std::vector<std::string>& params : ParamGrid()) {
                queue_.push_back(MakeConfig(space_, t, b, bind, &params));
              }
            }
          }
        }
      }
      break;
    case TuneMode::kDefault:
      // Seeds: one thread per task (the default), a task per L3 group or NUMA node, one
      // task on every core. They are far apart, so the descent starts near the best of
      // them instead of wherever the default happens to be.
      for (int t : threads_) {
        bool group = std::find(space_.group_cores.begin(), space_.group_cores.end(), t) !=
                     space_.group_cores.end();
        if (t == current_.threads || group || t == threads_.back()) {
          survivors_.push_back(
              MakeConfig(space_, t, current_.batch, current_.bind, &current_.params));
        }
      }
      queue_.assign(survivors_.begin(), survivors_.end());
      break;
  }
}

bool TuneSearch::Descend() {
  while (dimension_ < Dimensions()) {
    const TrialResult* here = Best(current_);
    // Among the measured neighbours, the best; take it when it beats the current by the noise.
    const TrialResult* best = nullptr;
    for (const TrialResult& t : trials_) {
      if (Along(t.config, current_, dimension_) && (best == nullptr || t.rate > best->rate)) {
        best = &t;
      }
    }
    std::vector<TuneConfig> next = Neighbours(current_, dimension_);
    if (!next.empty()) {
      for (const TuneConfig& c : next) queue_.push_back(c);
      return true;
    }
    if (best != nullptr && here != nullptr &&
        best->rate > here->rate * (1 + Threshold(*best, *here)) && !(best->config == current_)) {
      current_ = best->config;  // moved: look around the new place along the same dimension
      continue;
    }
    ++dimension_;
  }
  return false;
}

bool TuneSearch::Confirm() {  // the best two, measured again A/B/A/B
  dimension_ = Dimensions() + 1;
  std::vector<const TrialResult*> ranked;
  for (const TrialResult& t : trials_) ranked.push_back(&t);
  std::sort(ranked.begin(), ranked.end(),
            [](const TrialResult* a, const TrialResult* b) { return a->rate > b->rate; });
  const TuneConfig* second = nullptr;
  for (const TrialResult* t : ranked) {
    if (!(t->config == ranked.front()->config)) {
      second = &t->config;
      break;
    }
  }
  if (second == nullptr) return false;
  TuneConfig a = ranked.front()->config, b = *second;
  queue_ = {a, b, a, b};
  return true;
}

bool TuneSearch::Halve() {
  // Each round measures every survivor once more; the better half by median goes on, less
  // those the best beats by more than the noise (no need to measure them again).
  std::stable_sort(
      survivors_.begin(), survivors_.end(),
      [this](const TuneConfig& a, const TuneConfig& b) { return Median(a) > Median(b); });
  survivors_.resize((survivors_.size() + 1) / 2);
  const TrialResult* top = Best(survivors_.front());
  double bar = Median(survivors_.front());
  std::erase_if(survivors_, [&](const TuneConfig& c) {
    const TrialResult* t = Best(c);
    return top != nullptr && t != nullptr && bar > Median(c) * (1 + Threshold(*top, *t));
  });
  if (survivors_.size() > 1) {
    queue_.assign(survivors_.begin(), survivors_.end());
    return true;
  }
  current_ = survivors_.front();
  survivors_.clear();
  return false;
}

std::optional<TuneConfig> TuneSearch::Next() {
  if (done_) return std::nullopt;
  if (queue_.empty()) Plan();
  if (done_ || queue_.empty()) {
    done_ = true;
    return std::nullopt;
  }
  TuneConfig next = queue_.front();
  queue_.pop_front();
  return next;
}

void TuneSearch::Report(const TrialResult& result) { trials_.push_back(result); }

TuneConfig TuneSearch::Winner() const {
  TuneConfig fallback = DefaultConfig(space_);
  TuneConfig best = fallback;
  double best_rate = -1;
  for (const TrialResult& t : trials_) {
    double m = Median(t.config);
    if (m > best_rate) {
      best_rate = m;
      best = t.config;
    }
  }
  // The default stays unless something beats it by more than the noise.
  const TrialResult* base = Best(fallback);
  const TrialResult* top = Best(best);
  if (base != nullptr && top != nullptr && !(best == fallback) &&
      best_rate <= Median(fallback) * (1 + Threshold(*top, *base))) {
    return fallback;
  }
  return best;
}

double TuneSearch::WinnerRate() const { return trials_.empty() ? 0 : Median(Winner()); }

}  // namespace coreflow
