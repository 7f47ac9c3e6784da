#pragma once

#include <cstdint>
#include <variant>

#include "base/ids.h"
#include "base/time.h"

namespace coreflow {

// How one attempt of a task ended.
struct Outcome {
  int exit_code = 0;            // meaningful when signal == 0
  int signal = 0;               // the signal that ended it, 0 if it exited
  bool timed_out = false;       // set by the scheduler: it was killed for --timeout
  bool interrupted = false;     // set by the scheduler: stopped because the run is stopping
  bool missing_output = false;  // set by the engine: exited 0 without its declared outputs
  bool over_memory = false;     // set by the engine: killed for exceeding its memory limit
  bool ok() const { return signal == 0 && exit_code == 0 && !missing_output && !over_memory; }
  // In a pipeline: the item goes on to its next stage.
  bool passed() const { return ok() && !interrupted && !timed_out; }
};

// What the engine tells the scheduler. All of them are plain data.
namespace ev {
struct TaskQueued {  // a task was read from the inputs and can be started
  TaskId task;
  int inputs = 1;        // a batch (-N, -m, -X) holds several
  TaskId split_of;       // one input of split batch `split_of` (0: none): queued ahead of new tasks
  StageId stage;         // the stage it is a task of (a plain run has only stage 0)
  bool moved = false;    // the next task of an item that just passed the stage before
  int parked = 0;        // a gather task: the parked items (ItemParked) it takes
  uint64_t scratch = 0;  // a staging stage's task: the bytes its copy will hold on scratch
};
// An item left the pipeline and its copies on scratch were removed: the bytes its staging task
// (`task`) held are free again.
struct ScratchFreed {
  TaskId task;
};
// An item that passed the stage before a gather stage waits for the rest of its group.
struct ItemParked {
  bool moved = true;  // it just passed that stage (false: it was finished before, --resume)
};
// A group whose items will not run (one of them failed): its parked items leave the run.
struct ParkedDropped {
  int items;
};
struct TaskBegan {  // a started task really began (its warm worker got it): --timeout counts now
  TaskId task;
};
struct SetSlots {  // a controller (online tuning) changes how many tasks run at once; 0 pauses
  int slots;
};
struct BatchSplit {  // the inputs of a split batch were queued (TaskQueued) as tasks of their own
  TaskId task;
};
struct TaskSkipped {  // a task that needs no run (finished before): counted, never started
  TaskId task;
};
struct InputsEnded {};
struct TaskExited {  // the task's main process ended (or could not be executed at all)
  TaskId task;
  Outcome outcome;
};
struct StartDeferred {  // spawning hit a transient limit (EAGAIN, EMFILE): try again later
  TaskId task;
};
struct TimerFired {};
struct Interrupted {  // SIGINT/SIGTERM/SIGHUP to coreflow, or its stdout went away (SIGPIPE)
  int signal;
};
struct Abort {};    // an error the run cannot go on with (output or input failed): exit 255
struct MemoryLow {  // --memfree: free memory fell below (true) or came back above (false) it
  bool low;
};
struct Drain {};  // an error that forbids new tasks (disk full); running ones finish: exit 255
// --memfree: memory is critically short. The youngest running task is terminated and queued
// again; that attempt does not count against --retries.
struct MemoryCritical {};
}  // namespace ev

using Event = std::variant<ev::TaskQueued, ev::TaskBegan, ev::SetSlots, ev::BatchSplit,
                           ev::TaskSkipped, ev::InputsEnded, ev::TaskExited, ev::StartDeferred,
                           ev::TimerFired, ev::Interrupted, ev::Abort, ev::Drain, ev::MemoryLow,
                           ev::MemoryCritical, ev::ItemParked, ev::ParkedDropped, ev::ScratchFreed>;

// What the scheduler asks the engine to do, in order.
namespace act {
struct StartTask {
  TaskId task;
  SlotId slot;  // 1-based within its stage; GNU parallel's {%}
  int attempt;  // 1 for the first try
  StageId stage;
  uint64_t gpus = 0;  // the GPUs it holds: a mask over the run's devices (GpuPool)
};
struct SignalTask {  // to the task's whole process group
  TaskId task;
  int signal;
};
struct ArmTimer {  // the one timer the scheduler needs; at == 0 disarms it
  Nanos at;
};
struct TaskFinished {  // one attempt ended; `final` unless it will be retried
  TaskId task;
  int attempt;
  Outcome outcome;
  bool final;
  bool split = false;  // a failed batch whose inputs the engine queues again one by one
};
struct ReleaseOutput {  // the task's output may be written now (input order with -k)
  TaskId task;
};
struct RunFinished {
  int exit_status;
};
}  // namespace act

using Action = std::variant<act::StartTask, act::SignalTask, act::ArmTimer, act::TaskFinished,
                            act::ReleaseOutput, act::RunFinished>;

}  // namespace coreflow
