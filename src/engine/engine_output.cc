// The engine's output side: what tasks print, grouped, line by line or tagged, in order.
#include "engine/engine.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "base/plural.h"
#include "engine/results_dir.h"
#include "exec/output_buffer.h"
#include "exec/worker_protocol.h"
#include "plan/expand.h"
#include "plan/output_path.h"
#include "sys/clock.h"
#include "sys/fd.h"
#include "sys/memory.h"

namespace coreflow {

void Engine::OnOutput(TaskState& t, int stream, const std::string& data, bool flush) {
  // --line-buffer: pass on whole lines only, so lines of different tasks never mix.
  std::string& partial = t.partial[stream - 1];
  (stream == 1 ? t.out_bytes : t.err_bytes) += data.size();
  if (stream == 2) KeepTail(&t.err_tail, data, kStderrTailBytes);
  partial.append(data);
  size_t last_newline = partial.rfind('\n');
  if (!flush && last_newline == std::string::npos) return;
  size_t n = flush ? partial.size() : last_newline + 1;
  PassLines(t, stream, std::string_view(partial).substr(0, n));
  partial.erase(0, n);
}

void Engine::PassLines(TaskState& t, int stream, std::string_view lines) {
  std::string prefixed;
  if (!t.line_prefix.empty()) {
    bool at_line_start = true;
    AppendPrefixedLines(lines, t.line_prefix, &at_line_start, &prefixed);
    lines = prefixed;
  }
  if (config_.schedule.keep_order && t.input.seq != live_seq_) {
    // -k: only the earliest unfinished task prints as it goes; later ones wait their turn.
    t.held[stream - 1].append(lines);
  } else {
    WriteOut(stream == 1 ? config_.stdout_fd : config_.stderr_fd, lines.data(), lines.size());
  }
}

void Engine::EchoCommand(TaskState& t, int slot) {
  std::string line = ExpandCommandLine(template_, t.input, slot) + "\n";
  switch (config_.output) {
    case OutputMode::kGroup:  // printed with the output, when the task ends
      t.echo = std::move(line);
      break;
    case OutputMode::kLineBuffer:
      PassLines(t, 1, line);
      break;
    case OutputMode::kUngroup:
      WriteOut(config_.stdout_fd, line.data(), line.size());
      break;
  }
}

void Engine::WriteHeldLines(TaskState& t) {
  WriteOut(config_.stdout_fd, t.held[0].data(), t.held[0].size());
  WriteOut(config_.stderr_fd, t.held[1].data(), t.held[1].size());
  t.held[0].clear();
  t.held[1].clear();
}

void Engine::OutputBegin() {
  if (output_depth_++ == 0) {
    for (RunObserver* o : observers_) o->OnOutputBegin();
  }
}

void Engine::OutputEnd() {
  if (--output_depth_ == 0) {
    for (RunObserver* o : observers_) o->OnOutputEnd();
  }
}

void Engine::Say(const std::string& message) {
  OutputBegin();
  WriteAll(config_.stderr_fd, message);  // best effort: a closed stderr must not stop the run
  OutputEnd();
}

void Engine::WriteOut(int fd, const char* data, size_t size) {
  if (output_broken_ || size == 0) return;
  OutputBegin();
  int e = WriteAll(fd, data, size);
  OutputEnd();
  if (e != 0) OnWriteError(e, fd == config_.stdout_fd ? "standard output" : "standard error");
}

void Engine::OnWriteError(int e, const char* what) {
  output_broken_ = true;
  if (e == EPIPE) {
    Dispatch(ev::Interrupted{SIGPIPE});  // the reader went away (e.g. `| head`): stop quietly
  } else {
    Fail(fmt::format("cannot write {}: {}", what, ErrnoText(e)));
  }
}

void Engine::ReleaseOutput(uint64_t seq) {
  auto it = tasks_.find(seq);
  if (it == tasks_.end()) return;
  TaskState& t = it->second;
  OutputBegin();
  if (!t.echo.empty()) {
    std::string line = t.line_prefix + t.echo;
    WriteOut(config_.stdout_fd, line.data(), line.size());
  }
  if (config_.results_dir.empty()) {
    if (t.output && !output_broken_) {
      if (int e = t.output->out.WriteTo(config_.stdout_fd, t.line_prefix)) {
        OnWriteError(e, "standard output");
      } else if (int e2 = t.output->err.WriteTo(config_.stderr_fd, t.line_prefix)) {
        OnWriteError(e2, "standard error");
      }
    }
    WriteOut(config_.stderr_fd, t.error.data(), t.error.size());
  }
  if (config_.output == OutputMode::kLineBuffer && config_.schedule.keep_order) {
    WriteHeldLines(t);
    // Releases come in input order: the next task now prints what it held and goes live.
    live_seq_ = seq + 1;
    if (auto next = tasks_.find(live_seq_); next != tasks_.end()) WriteHeldLines(next->second);
  }
  OutputEnd();
  tasks_.erase(it);
}

}  // namespace coreflow
