// A warm worker's answers: read from its result descriptor, checked against the protocol and
// matched to the task they finish.
#include "exec/worker_runner.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "base/plural.h"
namespace coreflow {

bool WorkerRunner::ReadAnswers(Worker& w) {
  for (;;) {
    ssize_t n = ReadSome(w.answers.get(), read_buffer_.data(), read_buffer_.size());
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) {  // closed (or broken)
      processes_->Unwatch(w.answers.get());
      w.answers.Reset();
      // A live worker that closed it can answer no more: without this it would hang the run.
      // Killed only if it still lives after kClosedGrace (OnTimer): one dying already (a
      // SIGKILL from elsewhere) closed it on its way out, and its exit says how it ended.
      if (!w.life.Is<worker_life::Retiring>() && !processes_->HasExited(w.handle)) {
        w.answers_closed_at = Now();
      }
      return false;
    }
    if (!w.reader.Append(std::string_view(read_buffer_.data(), static_cast<size_t>(n)))) {
      Kill(w, "protocol error: an answer line is longer than 1 MiB");
      return false;
    }
  }
}

void WorkerRunner::OnAnswers(Worker& w, std::vector<RunnerEvent>* events) {
  if (!w.answers.valid()) return;
  ReadAnswers(w);
  std::string line;
  while (!w.life.Is<worker_life::Retiring>() && w.trouble.empty() && w.reader.Next(&line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines
    WorkerMessage m;
    std::string why;
    if (!ParseWorkerMessage(line, &m, &why)) {
      if (line.size() > 200) line = line.substr(0, 200) + "...";
      Kill(w, fmt::format("protocol error: bad answer '{}': {}", line, why));
      return;
    }
    OnMessage(w, m, events);
  }
}

void WorkerRunner::OnMessage(Worker& w, const WorkerMessage& m, std::vector<RunnerEvent>* events) {
  if (m.kind == WorkerMessage::Kind::kReady) {
    // Not starting: a second ready line, which kills it.
    if (Drive(w, worker_life::SaidReady{Now()}, events).announced && w.has_task()) Send(w, events);
    return;
  }
  if (!w.life.Is<worker_life::Busy>()) {
    Kill(w, fmt::format("protocol error: an answer (id {}) while it had no task", m.id));
  } else if (w.request_sent > 0 || !w.request.empty()) {
    Kill(w,
         fmt::format("protocol error: an answer (id {}) before its whole request was sent", m.id));
  } else if (int unread = 0; PipeUnread(w.to_worker.get(), &unread) == 0 && unread > 0) {
    Kill(w, fmt::format("protocol error: an answer (id {}) before it read its request", m.id));
  } else if (m.id != w.task.value()) {
    Kill(w, fmt::format("protocol error: the answer names task {}, but it was running task {}",
                        m.id, w.task.value()));
  } else {
    Complete(w, m, events);
  }
}

}  // namespace coreflow
