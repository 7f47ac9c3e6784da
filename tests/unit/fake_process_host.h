#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "exec/process_host.h"
#include "sys/fd.h"

namespace coreflow::exectest {

// Processes that exist only on paper: the test plays the worker through the pipes WorkerRunner
// hands over (its stdin and its result descriptor) and says when it exits.
class FakeHost : public ProcessHost {
 public:
  struct Proc {
    LaunchSpec spec;  // its pointers are not kept: see argv and env
    std::vector<std::string> argv;
    std::vector<std::string> env;
    UniqueFd stdin_read;    // what the worker would read requests from
    UniqueFd result_write;  // where the worker would write its answers
    std::vector<int> signals;
    bool exited = false;
  };

  int Start(ProcessHandle process, const LaunchSpec& spec) override {
    if (start_error != 0) return start_error;
    Proc& p = procs[process];
    p.spec = spec;
    p.argv = spec.command->argv;
    for (char* const* e = spec.envp; e != nullptr && *e != nullptr; ++e) p.env.emplace_back(*e);
    if (spec.stdin_fd >= 0) {  // a warm worker (a plain task has neither)
      p.stdin_read.Reset(::dup(spec.stdin_fd));
      p.result_write.Reset(::dup(spec.result_fd));
      EXPECT_EQ(SetNonBlocking(p.stdin_read.get()), 0);
    }
    started.push_back(process);
    return 0;
  }
  int ProcessGroup(ProcessHandle process) const override {
    return procs.count(process) != 0 ? 1000 + static_cast<int>(process.value() & 0xff) : 0;
  }
  int OrphanGroup(int) const override { return 0; }
  void Signal(ProcessHandle process, int signal) override {
    procs[process].signals.push_back(signal);
  }
  bool HasExited(ProcessHandle process) const override {
    auto it = procs.find(process);
    return it == procs.end() || it->second.exited;
  }
  std::unique_ptr<CapturedOutput> CutOutput(ProcessHandle, std::vector<RunnerEvent>*) override {
    return nullptr;
  }
  bool Usage(ProcessHandle, ProcessUsage* out) const override {
    out->rss_bytes = rss_bytes;
    return true;
  }
  int WatchReadable(int fd, ProcessHandle owner) override {
    readable[fd] = owner;
    return 0;
  }
  int WatchWritable(int fd, ProcessHandle owner) override {
    writable[fd] = owner;
    return 0;
  }
  void Unwatch(int fd) override {
    readable.erase(fd);
    writable.erase(fd);
  }
  void ArmTimer(Nanos at) override { timer = at; }
  void ArmTick(Nanos) override {}
  void WatchInput(int) override {}
  bool Wait(std::vector<RunnerEvent>* events, std::string*) override {
    for (RunnerEvent& ev : queued) events->push_back(std::move(ev));
    queued.clear();
    return true;
  }
  Nanos Now() override { return now; }
  void EndStragglers(Nanos) override {}

  // The worker `process` writes `line` on its result descriptor.
  void Answer(ProcessHandle process, const std::string& line) {
    std::string text = line + "\n";
    ASSERT_EQ(WriteSome(procs.at(process).result_write.get(), text.data(), text.size()),
              static_cast<ssize_t>(text.size()));
    RunnerEvent ev;
    ev.kind = RunnerEvent::Kind::kReadable;
    ev.handle = process.value();
    queued.push_back(std::move(ev));
  }
  // What the worker `process` has been sent on its stdin so far; "<eof>" once it was closed.
  std::string ReadRequests(ProcessHandle process) {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ReadSome(procs.at(process).stdin_read.get(), buf, sizeof(buf));
      if (n == 0) return out + "<eof>";
      if (n < 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  void Exit(ProcessHandle process, int wait_status) {
    procs.at(process).exited = true;
    procs.at(process).result_write.Reset();
    RunnerEvent ev;
    ev.kind = RunnerEvent::Kind::kExited;
    ev.handle = process.value();
    ev.wait_status = wait_status;
    queued.push_back(std::move(ev));
  }
  // Moves the clock to the armed timer and reports it.
  void FireTimer() {
    ASSERT_NE(timer, 0);
    now = std::max(now, timer);
    RunnerEvent ev;
    ev.kind = RunnerEvent::Kind::kTimer;
    queued.push_back(std::move(ev));
  }

  int start_error = 0;
  uint64_t rss_bytes = 0;
  Nanos now = 1000 * kNanosPerSecond;
  Nanos timer = 0;
  std::map<ProcessHandle, Proc> procs;
  std::vector<ProcessHandle> started;
  std::map<int, ProcessHandle> readable;
  std::map<int, ProcessHandle> writable;
  std::vector<RunnerEvent> queued;
};

}  // namespace coreflow::exectest
