// The engine's output side: hands what tasks print to the output sink, in release order.
#include <signal.h>

#include "engine/engine.h"
#include "exec/output_buffer.h"

namespace coreflow {

void Engine::OnOutput(uint64_t seq, TaskState& t, int stream, const std::string& data) {
  (stream == 1 ? t.out_bytes : t.err_bytes) += data.size();
  if (stream == 2) KeepTail(&t.err_tail, data, kStderrTailBytes);
  sink_.Print(TaskId(seq), stream == 1 ? StdStream::kOut : StdStream::kErr, data);
}

void Engine::ReleaseOutput(uint64_t seq) {
  auto it = tasks_.find(seq);
  if (it == tasks_.end()) return;
  const TaskState& t = it->second;
  sink_.Release(TaskId(seq), t.split ? 0 : t.input.items.size(), t.output.get(), t.error);
  tasks_.erase(seq);  // by key: a failed write may have dispatched more in between
}

void Engine::Say(const std::string& message) { sink_.Say(message); }

void Engine::OnOutputBegin() {
  for (RunObserver* o : observers_) o->OnOutputBegin();
}

void Engine::OnOutputEnd() {
  for (RunObserver* o : observers_) o->OnOutputEnd();
}

void Engine::OnReaderGone() {
  Dispatch(ev::Interrupted{SIGPIPE});  // the reader went away (e.g. `| head`): stop quietly
}

void Engine::OnWriteFailed(const std::string& message) { Fail(message); }

}  // namespace coreflow
