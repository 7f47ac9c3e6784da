#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/ids.h"
#include "exec/runner.h"
#include "sys/stream_writer.h"

namespace coreflow {

struct OutputSinkOptions {
  OutputMode mode = OutputMode::kGroup;
  bool keep_order = false;  // -k: tasks print in input order
  bool to_results = false;  // --results: captured output and errors go to files instead
};

// Prints what tasks print: grouped when a task ends (-g), whole lines as they come
// (--line-buffer), or as it comes (-u); in input order with -k; each line after the task's
// --tag prefix; -v's command first. The first failed write stops all output.
class OutputSink {
 public:
  // What the sink tells the engine.
  class Listener {
   public:
    virtual ~Listener() = default;
    // Around each write: a display on the terminal clears its line first, redraws it after.
    virtual void OnOutputBegin() {}
    virtual void OnOutputEnd() {}
    // The reader went away (EPIPE, e.g. `| head`): the run should stop quietly.
    virtual void OnReaderGone() = 0;
    // Any other write error: the run should abort with `message`.
    virtual void OnWriteFailed(const std::string& message) = 0;
  };

  OutputSink(OutputSinkOptions options, StreamWriter* writer, Listener* listener)
      : options_(options), writer_(writer), listener_(listener) {}

  // An attempt of `task` starts: `line_prefix` goes before each of its lines ("": none);
  // `echo` is its command line with its newline (-v), "" for none.
  void Start(TaskId task, std::string line_prefix, std::string echo);
  // --line-buffer: bytes the task printed; whole lines go out (or wait their turn with -k).
  void Print(TaskId task, StdStream stream, std::string_view data);
  // --line-buffer: the attempt ended; its unfinished last lines go out as they are.
  void Flush(TaskId task);
  // The task, of `inputs` inputs, is done, released in order: -v's line, its captured output
  // (grouped), `error`, and with -k the lines it and the next task held back. Forgets the task.
  void Release(TaskId task, uint64_t inputs, const CapturedOutput* output, std::string_view error);
  // A message of coreflow's own on stderr; best effort, even after a failed write.
  void Say(std::string_view message);

  bool broken() const { return broken_; }

 private:
  struct TaskOutput {
    std::string line_prefix;
    std::string echo;        // -v with grouped output: printed with the output
    std::string partial[2];  // --line-buffer: an unfinished line of stdout, stderr
    std::string held[2];     // --line-buffer -k: whole lines waiting for earlier tasks
  };

  void PassLines(TaskId task, TaskOutput& t, StdStream stream, std::string_view lines);
  void WriteHeld(TaskOutput& t);
  void WriteCaptured(StdStream stream, const OutputBuffer& buffer, std::string_view prefix);
  void Write(StdStream stream, std::string_view bytes);
  void OnWriteError(int error, StdStream stream);
  void Begin();
  void End();

  OutputSinkOptions options_;
  StreamWriter* writer_;
  Listener* listener_;
  std::unordered_map<TaskId, TaskOutput> tasks_;
  TaskId live_{1};  // --line-buffer -k: the task whose lines go out as they come
  int depth_ = 0;   // nested Begin()s: the listener hears the outermost only
  bool broken_ = false;
};

}  // namespace coreflow
