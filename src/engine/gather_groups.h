#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace coreflow {

// One item of a gather group: its input values and each earlier stage's outputs for it.
struct GroupMember {
  uint64_t seq = 0;  // the item's {#}
  std::vector<std::string> values;
  std::vector<std::vector<std::string>> stage_outputs;
};

// A group whose every item has passed the stage before the gather stage, or failed.
struct SettledGroup {
  std::string value;    // what the gather template gave its items ({group})
  uint64_t number = 0;  // 1-based, in the order groups were first seen: the gather task's {#}
  std::vector<GroupMember> members;  // the items that passed, in input order
  std::vector<uint64_t> failed;      // the items that did not, in input order
  size_t expected = 0;               // items the group was to have (group_size, when set)
};

// The groups of a gather stage (docs/pipelines.md): each item is expected when it is read, and
// then either arrives (it passed the stage before) or fails. A group is settled when all its
// items have, and either it reached `group_size` or the inputs ended. It never reads a file or
// a clock; the engine queues a settled group's task, or drops it when an item failed.
class GatherGroups {
 public:
  explicit GatherGroups(size_t group_size) : group_size_(group_size) {}

  // An item of group `value` was read. Items beyond a full group (group_size) start another
  // group of the same value.
  void Expect(const std::string& value);
  void Arrive(const std::string& value, GroupMember member, std::vector<SettledGroup>* settled);
  void Fail(const std::string& value, uint64_t seq, std::vector<SettledGroup>* settled);
  // No more items will be read: every group whose items have all settled is settled now, and
  // the rest as theirs settle.
  void InputsEnded(std::vector<SettledGroup>* settled);

  size_t parked() const { return parked_; }  // items that arrived in a group not yet settled
  size_t open_groups() const { return open_.size(); }

 private:
  struct Group {
    uint64_t number = 0;
    size_t expected = 0;
    size_t settled = 0;  // arrived or failed
    std::vector<GroupMember> members;
    std::vector<uint64_t> failed;
  };
  // The open group of `value` that an arriving or failing item belongs to: the oldest one
  // with an unsettled item.
  std::multimap<std::string, Group>::iterator Find(const std::string& value);
  void SettleIfDone(std::multimap<std::string, Group>::iterator it,
                    std::vector<SettledGroup>* settled);

  size_t group_size_;
  std::multimap<std::string, Group> open_;  // several of one value: in the order they opened
  uint64_t groups_seen_ = 0;
  size_t parked_ = 0;
  bool inputs_ended_ = false;
};

}  // namespace coreflow
