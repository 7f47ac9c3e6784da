#include "mpi/rank_run.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "base/plural.h"
#include "engine/engine.h"
#include "journal/merge.h"
#include "mpi/launcher.h"
#include "mpi/rank_journals.h"
#include "run/messages.h"
#include "sys/fd.h"
#include "sys/fs.h"
#include "sys/process.h"

namespace coreflow {

RankRun::~RankRun() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

RunHooks RankRun::Hooks() {
  RunHooks hooks;
  hooks.start = [this](RunFlags* f, RunConfig* c, int slots, std::string* err) {
    return Start(f, c, slots, err);
  };
  return hooks;
}

// Why a rank refuses to run: what no rank of coreflow-mpi can do. The same on every rank.
std::string Refusal(const RunFlags& f, const RunConfig& config) {
  if (!f.shard.empty()) {
    return "--shard splits the inputs between separate runs; the ranks of coreflow-mpi share "
           "one run's inputs: leave --shard out";
  }
  if (config.schedule.keep_order && config.output != OutputMode::kGroup) {
    return "-k with --line-buffer or -u: coreflow-mpi keeps the input order of whole tasks' "
           "output only; leave out --line-buffer (or -k)";
  }
  if (config.inputs.header || !config.pipeline.empty()) {
    return fmt::format("{} not yet run by coreflow-mpi; use coreflow run --shard instead",
                       config.inputs.header ? "--header is" : "pipelines (-f) are");
  }
  return "";
}

TupleQueue* RankRun::Start(RunFlags* f, RunConfig* config, int slots, std::string* err) {
  *err = Refusal(*f, *config);
  bool ok = err->empty();
  if (ok) started_();  // a refusal is the same on every rank: rank 0 alone says it
  ok = ok && PlanJournals(f, err);
  // Every rank meets here, so that none writes its journal before every other has read what
  // it resumes from, and none waits for a rank that will not come.
  if (!Meet(ok)) {
    if (ok) *err = "another rank could not start its run (see its message); nothing ran";
    return nullptr;
  }
  config->host_label = fmt::format("{}/{}", HostName(), link_->rank());
  HideLauncher(&config->environment, link_->rank(), link_->size());
  // What tasks print goes through rank 0, whole (output_relay.h); with -k, rank 0's own too,
  // to wait its turn (output_order.h).
  bool ordered = config->schedule.keep_order;
  if (link_->rank() == 0) {
    streams_ = std::make_unique<FdStreamWriter>(config->stdout_fd, config->stderr_fd);
    shared_ = std::make_unique<SharedWriter>(streams_.get());
    config->output_writer = shared_.get();
    order_ = std::make_unique<RankOutput>(link_->size(), ordered,
                                          [this](const OutputGroup& g) { shared_->WriteGroup(g); });
  }
  if (link_->rank() != 0 || ordered) {
    forward_ = std::make_unique<ForwardingWriter>(&outbox_);
    config->output_writer = forward_.get();
  }
  if (int e = queue_.Open(); e != 0) {
    *err = "cannot make the input queue: " + ErrnoText(e);
    ok = false;
  }
  if (ok && StartDealing(*config, slots, err)) return &queue_;
  Withdraw(*err);
  return nullptr;
}

bool RankRun::Meet(bool ok) {
  met_ = true;
  int worst = link_->Max(ok ? 0 : link_->rank() == 0 ? 2 : 1);
  rank_0_failed_ = worst == 2;
  all_ready_ = worst == 0;
  return all_ready_;
}

void RankRun::Withdraw(const std::string& why) {
  if (link_->rank() != 0) {
    link_->Send(0, kByeTag, "");
    link_->Send(0, kDoneTag, "");
    return;
  }
  // Rank 0 deals the error instead of inputs, so that every other rank ends with it.
  stop_ = true;
  dealer_ = std::make_unique<Dealer>(
      link_,
      [why](Tuple*, std::string* e) {
        *e = why;
        return ReadStatus::kError;
      },
      &queue_, 1);
  thread_ = std::thread([this] { dealer_->Run(&stop_); });
}

bool RankRun::PlanJournals(RunFlags* f, std::string* err) {
  if (f->joblog.empty() || f->joblog == "-") return true;
  journal_ = f->joblog;
  bool resume = Resumes(*f);
  keep_journal_ = resume || f->joblog_append;
  std::vector<std::string> existing;
  if (int e = ListRankJournals(journal_, &existing); e != 0) {
    *err = fmt::format("cannot list the rank journals beside '{}': {}", journal_, ErrnoText(e));
    return false;
  }
  RankJournalPlan plan =
      PlanRankJournals(journal_, link_->rank(), resume, PathExists(journal_), existing);
  if (link_->rank() == 0) {
    for (const std::string& path : plan.stale) ::unlink(path.c_str());  // a fresh run's
  }
  f->resume_from.insert(f->resume_from.end(), plan.resume_from.begin(), plan.resume_from.end());
  if (resume) earlier_ = existing;
  f->joblog = plan.own;
  f->joblog_append = false;
  return true;
}

ReadStatus RankRun::Produce(Tuple* tuple, std::string* err) {
  for (;;) {
    ReadStatus s = combiner_.Next(tuple, err);
    if (s != ReadStatus::kWouldBlock) return s;
    if (int e = WaitReadable(combiner_.fd()); e != 0) {
      *err = "cannot wait for the inputs: " + ErrnoText(e);
      return ReadStatus::kError;
    }
  }
}

bool RankRun::StartDealing(const RunConfig& config, int slots, std::string* err) {
  if (link_->rank() != 0) {
    fetcher_ = std::make_unique<Fetcher>(link_, &queue_, slots, BackOff, &outbox_);
    thread_ = std::thread([this] { fetcher_->Run(&stop_); });
    return true;
  }
  InputOptions options = config.inputs;
  options.remote = nullptr;
  if (!combiner_.Open(config.sources, options, err)) return false;
  dealer_ = std::make_unique<Dealer>(
      link_, [this](Tuple* t, std::string* e) { return Produce(t, e); }, &queue_, slots, BackOff,
      order_.get(), forward_ != nullptr ? &outbox_ : nullptr);
  if (config.batch.mode == BatchOptions::Mode::kCount) {
    dealer_->DealInMultiplesOf(config.batch.max_inputs);
  }
  thread_ = std::thread([this] { dealer_->Run(&stop_); });
  return true;
}

int RankRun::Finish(int status) {
  stop_ = true;
  if (thread_.joinable()) thread_.join();  // rank 0: once every rank has had its end
  if (!met_) {  // stopped before its run (--help, a usage error): meet the others, as Start does
    Meet(false);
    return status;
  }
  if (!all_ready_) return status;  // no rank ran: none waits at the barrier below
  link_->Barrier();                // every journal is closed
  int job = link_->Max(status);
  if (link_->rank() == 0 && !journal_.empty()) MergeJournals();
  return job;
}

void RankRun::MergeJournals() {
  std::vector<std::string> inputs;
  if (keep_journal_ && PathExists(journal_)) inputs.push_back(journal_);
  std::vector<std::string> ranks = earlier_;
  for (int r = 0; r < link_->size(); ++r) {
    std::string path = RankJournal(journal_, r);
    if (PathExists(path) && std::find(ranks.begin(), ranks.end(), path) == ranks.end()) {
      ranks.push_back(path);
    }
  }
  if (ranks.empty()) return;  // a dry run writes none
  inputs.insert(inputs.end(), ranks.begin(), ranks.end());
  MergeSummary summary;
  std::string err;
  if (!MergeJournalFiles(inputs, journal_, &summary, &err)) {
    Warn(fmt::format("{}; the rank journals are kept, and --resume reads them", err));
    return;
  }
  for (const std::string& path : ranks) ::unlink(path.c_str());
  fmt::print(stderr, "coreflow-mpi: merged the journals of {} into '{}' ({})\n",
             Plural(link_->size(), "rank"), journal_, Plural(summary.records, "record"));
}

}  // namespace coreflow
