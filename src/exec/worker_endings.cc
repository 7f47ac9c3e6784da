// How a task on a warm worker ends: its answer, or its worker's exit (a failed start, a
// crash while busy), and what the worker's life decides about that.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

#include "base/plural.h"
#include "exec/worker_runner.h"

namespace coreflow {
namespace {

namespace life = worker_life;

std::string HowItEnded(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return fmt::format("was killed by signal {} ({})", WTERMSIG(wait_status),
                       strsignal(WTERMSIG(wait_status)));
  }
  return fmt::format("exited with status {}", WEXITSTATUS(wait_status));
}

// The last lines a worker wrote on stderr, to say why it would not start.
std::string StderrTail(const CapturedOutput* output) {
  if (output == nullptr) return "";
  std::string err = output->err.ToString();
  while (!err.empty() && err.back() == '\n') err.pop_back();
  size_t from = err.size();
  for (int lines = 0; lines < 5 && from != std::string::npos && from > 0; ++lines) {
    from = err.rfind('\n', from - 1);
  }
  from = from == std::string::npos ? 0 : from + 1;
  return err.empty() ? "" : "; its last words on stderr:\n" + err.substr(from);
}

void SetCpu(rusage* out, int64_t user_ns, int64_t sys_ns) {
  user_ns = std::max<int64_t>(user_ns, 0);
  sys_ns = std::max<int64_t>(sys_ns, 0);
  out->ru_utime.tv_sec = user_ns / 1'000'000'000;
  out->ru_utime.tv_usec = (user_ns % 1'000'000'000) / 1000;
  out->ru_stime.tv_sec = sys_ns / 1'000'000'000;
  out->ru_stime.tv_usec = (sys_ns % 1'000'000'000) / 1000;
}

int64_t Ns(const timeval& tv) {
  return static_cast<int64_t>(tv.tv_sec) * 1'000'000'000 + static_cast<int64_t>(tv.tv_usec) * 1000;
}

}  // namespace

void WorkerRunner::Complete(Worker& w, const WorkerMessage& m, std::vector<RunnerEvent>* events) {
  RunnerEvent done;
  done.kind = RunnerEvent::Kind::kExited;
  done.handle = w.task.value();
  done.wait_status = m.status << 8;  // as if it exited with that status
  done.at = Now();
  done.began = w.life.began();
  std::vector<RunnerEvent> lines;
  done.output = processes_->CutOutput(w.handle, &lines);
  for (RunnerEvent& line : lines) {
    line.handle = w.task.value();
    events->push_back(std::move(line));
  }
  ProcessUsage now;
  if (processes_->Usage(w.handle, &now)) {
    SetCpu(&done.usage, now.user_ns - w.at_begin.user_ns, now.sys_ns - w.at_begin.sys_ns);
    done.usage.ru_maxrss = static_cast<long>(now.rss_bytes / 1024);
  }
  if (m.status != 0 && !m.message.empty()) {
    done.note = fmt::format("coreflow: task {}: {}\n", w.task.value(), m.message);
  }
  by_task_.erase(w.task);
  w.task = TaskHandle();
  restarts_.OnTaskDone(w.slot);
  events->push_back(std::move(done));
  Drive(w, life::Answered{Now(), now.rss_bytes}, events);  // may retire it (worn, or too big)
}

void WorkerRunner::OnExit(RunnerEvent& ev, std::vector<RunnerEvent>* events) {
  auto it = workers_.find(ProcessHandle(ev.handle));
  Worker w = std::move(it->second);
  workers_.erase(it);
  if (auto s = by_slot_.find(w.slot); s != by_slot_.end() && s->second == w.handle) {
    by_slot_.erase(s);
  }
  if (w.answers.valid()) processes_->Unwatch(w.answers.get());
  if (w.sending) processes_->Unwatch(w.to_worker.get());
  // Killed by us because it closed its result descriptor, not ended by itself.
  if (w.trouble.empty() && w.answers_closed && WIFSIGNALED(ev.wait_status) &&
      WTERMSIG(ev.wait_status) == SIGKILL) {
    w.trouble = "protocol error: it closed its result descriptor (3), so it can answer no more";
  }
  Nanos began = w.life.began();
  Verdict v = Drive(w, life::Exited{w.signalled}, events);  // a crash backs its slot off
  std::string how = w.trouble.empty() ? HowItEnded(ev.wait_status) : "was stopped: " + w.trouble;
  if (v.stopped) {  // stopped by the run, not a failed start
    if (w.has_task()) FailTask(w.task, ev.wait_status, "", events);
  } else if (v.failed_start) {
    OnFailedStart(w, ev, how, events);
  } else if (v.lost_task) {
    FailRunningTask(w, ev, began, how, events);
  }  // else idle or retiring: nothing was lost
}

void WorkerRunner::OnFailedStart(Worker& w, const RunnerEvent& ev, const std::string& how,
                                 std::vector<RunnerEvent>* events) {
  if (!fatal_.empty()) return;  // the run is over already
  std::string why = fmt::format("the worker '{}' {} before it was ready{}", options_.display, how,
                                StderrTail(ev.output.get()));
  if (restarts_.OnFailedStart()) {
    fatal_ = fmt::format("{} (it failed to start {} in a row; check the --worker command)", why,
                         Plural(restarts_.failed_starts(), "time"));
    return;
  }
  if (!w.has_task()) return;
  // The task waits for the next worker on this slot.
  by_task_.erase(w.task);
  LaunchSpec again = w.spec;  // Place copies the mask before w goes
  const std::optional<CpuMask>& cpus = w.life.shape().cpus;
  again.cpus = cpus ? &*cpus : nullptr;
  if (Place(w.task, again, w.base_env, std::move(w.request)) != 0) {
    FailTask(w.task, 255 << 8, "coreflow: " + why + "\n", events);
  }
}

void WorkerRunner::FailRunningTask(Worker& w, RunnerEvent& ev, Nanos began, const std::string& how,
                                   std::vector<RunnerEvent>* events) {
  RunnerEvent failed = std::move(ev);
  failed.handle = w.task.value();
  failed.began = began;
  SetCpu(&failed.usage, Ns(failed.usage.ru_utime) - w.at_begin.user_ns,
         Ns(failed.usage.ru_stime) - w.at_begin.sys_ns);
  if (!w.signalled || !w.trouble.empty()) {
    failed.note = fmt::format("coreflow: task {}: the worker (slot {}) {}; a new one is started\n",
                              w.task.value(), w.slot, how);
  }
  if (!w.trouble.empty()) failed.wait_status = 255 << 8;  // a protocol error is a failure
  by_task_.erase(w.task);
  events->push_back(std::move(failed));
}

void WorkerRunner::FailTask(TaskHandle task, int wait_status, const std::string& note,
                            std::vector<RunnerEvent>* events) {
  RunnerEvent ev;
  ev.kind = RunnerEvent::Kind::kExited;
  ev.handle = task.value();
  ev.wait_status = wait_status;
  ev.at = Now();
  ev.note = note;
  by_task_.erase(task);
  events->push_back(std::move(ev));
}

}  // namespace coreflow
