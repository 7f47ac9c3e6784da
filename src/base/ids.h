#pragma once

#include <compare>
#include <cstdint>
#include <functional>

namespace coreflow {

// An integer that names one kind of thing. Ids of different kinds do not convert into each
// other or into a bare integer, so a slot cannot be passed where a task is meant.
template <typename Tag, typename Rep = uint64_t>
class StrongId {
 public:
  using rep_type = Rep;
  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep value) : value_(value) {}
  constexpr Rep value() const { return value_; }
  constexpr auto operator<=>(const StrongId&) const = default;

 private:
  Rep value_{};
};

// One command with its inputs, numbered from 1 in the order the inputs came ({#}).
using TaskId = StrongId<struct TaskIdTag, uint64_t>;
// One of the run's places a task can run in, numbered from 1 ({%}, COREFLOW_SLOT).
using SlotId = StrongId<struct SlotIdTag, int>;
// What a runner calls one started process (a task's, or a warm worker's).
using ProcessHandle = StrongId<struct ProcessHandleTag, uint64_t>;
// One stage of a pipeline, numbered from 0 in the order the pipeline lists them.
using StageId = StrongId<struct StageIdTag, int>;

}  // namespace coreflow

template <typename Tag, typename Rep>
struct std::hash<coreflow::StrongId<Tag, Rep>> {
  size_t operator()(const coreflow::StrongId<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>()(id.value());
  }
};
