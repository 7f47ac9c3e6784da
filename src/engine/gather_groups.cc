#include "engine/gather_groups.h"

#include <algorithm>
#include <utility>

namespace coreflow {

void GatherGroups::Expect(const std::string& value) {
  auto range = open_.equal_range(value);
  for (auto it = range.first; it != range.second; ++it) {
    if (group_size_ == 0 || it->second.expected < group_size_) {
      ++it->second.expected;
      return;
    }
  }
  Group g;
  g.number = ++groups_seen_;
  g.expected = 1;
  open_.emplace(value, std::move(g));  // after the others of this value
}

std::multimap<std::string, GatherGroups::Group>::iterator GatherGroups::Find(
    const std::string& value) {
  auto range = open_.equal_range(value);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second.settled < it->second.expected) return it;
  }
  return open_.end();
}

void GatherGroups::Arrive(const std::string& value, GroupMember member,
                          std::vector<SettledGroup>* settled) {
  auto it = Find(value);
  if (it == open_.end()) return;  // never expected: nothing waits for it
  it->second.members.push_back(std::move(member));
  ++it->second.settled;
  ++parked_;
  SettleIfDone(it, settled);
}

void GatherGroups::Fail(const std::string& value, uint64_t seq,
                        std::vector<SettledGroup>* settled) {
  auto it = Find(value);
  if (it == open_.end()) return;
  it->second.failed.push_back(seq);
  ++it->second.settled;
  SettleIfDone(it, settled);
}

void GatherGroups::InputsEnded(std::vector<SettledGroup>* settled) {
  inputs_ended_ = true;
  std::vector<std::multimap<std::string, Group>::iterator> done;
  for (auto it = open_.begin(); it != open_.end(); ++it) {
    if (it->second.settled == it->second.expected) done.push_back(it);
  }
  // In the order the groups were first seen, not by value.
  std::sort(done.begin(), done.end(),
            [](const auto& a, const auto& b) { return a->second.number < b->second.number; });
  for (auto it : done) SettleIfDone(it, settled);
}

void GatherGroups::SettleIfDone(std::multimap<std::string, Group>::iterator it,
                                std::vector<SettledGroup>* settled) {
  Group& g = it->second;
  bool full = group_size_ > 0 && g.expected == group_size_;
  if (g.settled < g.expected || !(full || inputs_ended_)) return;
  SettledGroup out;
  out.value = it->first;
  out.number = g.number;
  out.expected = group_size_ > 0 ? group_size_ : g.expected;
  out.members = std::move(g.members);
  out.failed = std::move(g.failed);
  auto by_seq = [](const GroupMember& a, const GroupMember& b) { return a.seq < b.seq; };
  std::sort(out.members.begin(), out.members.end(), by_seq);
  std::sort(out.failed.begin(), out.failed.end());
  parked_ -= out.members.size();
  open_.erase(it);
  settled->push_back(std::move(out));
}

}  // namespace coreflow
