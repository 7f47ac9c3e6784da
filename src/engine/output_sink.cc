#include "engine/output_sink.h"

#include <cerrno>

#include <fmt/format.h>

#include "exec/output_buffer.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

size_t Index(StdStream stream) { return stream == StdStream::kOut ? 0 : 1; }

const char* StreamName(StdStream stream) {
  return stream == StdStream::kOut ? "standard output" : "standard error";
}

}  // namespace

void OutputSink::Start(TaskId task, std::string line_prefix, std::string echo) {
  TaskOutput& t = tasks_[task];
  t.line_prefix = std::move(line_prefix);
  if (echo.empty()) return;
  switch (options_.mode) {
    case OutputMode::kGroup:  // printed with the output, when the task ends
      t.echo = std::move(echo);
      break;
    case OutputMode::kLineBuffer:
      PassLines(task, t, StdStream::kOut, echo);
      break;
    case OutputMode::kUngroup:
      Write(StdStream::kOut, echo);
      break;
  }
}

void OutputSink::Print(TaskId task, StdStream stream, std::string_view data) {
  // Whole lines only, so that lines of different tasks never mix.
  TaskOutput& t = tasks_[task];
  std::string& partial = t.partial[Index(stream)];
  partial.append(data);
  size_t last_newline = partial.rfind('\n');
  if (last_newline == std::string::npos) return;
  PassLines(task, t, stream, std::string_view(partial).substr(0, last_newline + 1));
  partial.erase(0, last_newline + 1);
}

void OutputSink::Flush(TaskId task) {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return;
  for (StdStream stream : {StdStream::kOut, StdStream::kErr}) {
    std::string& partial = it->second.partial[Index(stream)];
    if (partial.empty()) continue;
    PassLines(task, it->second, stream, partial);
    partial.clear();
  }
}

void OutputSink::PassLines(TaskId task, TaskOutput& t, StdStream stream, std::string_view lines) {
  std::string prefixed;
  if (!t.line_prefix.empty()) {
    bool at_line_start = true;
    AppendPrefixedLines(lines, t.line_prefix, &at_line_start, &prefixed);
    lines = prefixed;
  }
  if (options_.keep_order && task != live_) {
    // -k: only the earliest unfinished task prints as it goes; later ones wait their turn.
    t.held[Index(stream)].append(lines);
  } else {
    Write(stream, lines);
  }
}

void OutputSink::Release(TaskId task, uint64_t inputs, const CapturedOutput* output,
                         std::string_view error) {
  auto it = tasks_.find(task);
  TaskOutput* t = it == tasks_.end() ? nullptr : &it->second;  // a skipped task never started
  std::string_view prefix = t != nullptr ? std::string_view(t->line_prefix) : std::string_view();
  Begin();
  if (options_.keep_order) writer_->MarkTask(inputs);
  if (t != nullptr && !t->echo.empty()) Write(StdStream::kOut, t->line_prefix + t->echo);
  if (!options_.to_results) {
    if (output != nullptr) {
      WriteCaptured(StdStream::kOut, output->out, prefix);
      WriteCaptured(StdStream::kErr, output->err, prefix);
    }
    Write(StdStream::kErr, error);
  }
  if (options_.mode == OutputMode::kLineBuffer && options_.keep_order) {
    if (t != nullptr) WriteHeld(*t);
    // Releases come in input order: the next task now prints what it held and goes live.
    live_ = TaskId(task.value() + 1);
    if (auto next = tasks_.find(live_); next != tasks_.end()) WriteHeld(next->second);
  }
  End();
  tasks_.erase(task);
}

void OutputSink::WriteHeld(TaskOutput& t) {
  Write(StdStream::kOut, t.held[0]);
  Write(StdStream::kErr, t.held[1]);
  t.held[0].clear();
  t.held[1].clear();
}

void OutputSink::WriteCaptured(StdStream stream, const OutputBuffer& buffer,
                               std::string_view prefix) {
  if (broken_) return;
  int e = 0;
  if (int fd = writer_->Descriptor(stream); fd >= 0) {
    e = buffer.WriteTo(fd, prefix);  // a spilled output is copied in the kernel
  } else {
    std::string text;
    bool at_line_start = true;
    AppendPrefixedLines(buffer.ToString(), prefix, &at_line_start, &text);
    if (!text.empty()) e = writer_->Write(stream, text);
  }
  if (e != 0) OnWriteError(e, stream);
}

void OutputSink::Write(StdStream stream, std::string_view bytes) {
  if (broken_ || bytes.empty()) return;
  Begin();
  int e = writer_->Write(stream, bytes);
  End();
  if (e != 0) OnWriteError(e, stream);
}

void OutputSink::OnWriteError(int error, StdStream stream) {
  broken_ = true;
  if (error == EPIPE) {
    listener_->OnReaderGone();
  } else {
    listener_->OnWriteFailed(
        fmt::format("cannot write {}: {}", StreamName(stream), ErrnoText(error)));
  }
}

void OutputSink::Say(std::string_view message) {
  Begin();
  writer_->Write(StdStream::kErr, message);  // a closed stderr must not stop the run
  End();
}

void OutputSink::Begin() {
  if (depth_++ != 0) return;
  writer_->BeginGroup();
  listener_->OnOutputBegin();
}

void OutputSink::End() {
  if (--depth_ != 0) return;
  listener_->OnOutputEnd();
  writer_->EndGroup();
}

}  // namespace coreflow
