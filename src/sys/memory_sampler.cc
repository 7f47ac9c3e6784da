#include "sys/memory_sampler.h"

#include <utility>

#include "sys/memory.h"
#include "sys/slot_cgroups.h"

namespace coreflow {

SystemMemorySampler::SystemMemorySampler(std::string meminfo_root, ProcessGroupRss::Adopt adopt)
    : meminfo_root_(std::move(meminfo_root)), adopt_(std::move(adopt)) {}

void SystemMemorySampler::Watch(int pgid) {
  if (rss_ == nullptr) rss_ = std::make_unique<ProcessGroupRss>();
  rss_->Watch(pgid);
}

void SystemMemorySampler::Unwatch(int pgid) {
  if (rss_ != nullptr) rss_->Unwatch(pgid);
}

bool SystemMemorySampler::SampleGroups(std::unordered_map<int, uint64_t>* rss_by_group) {
  if (rss_ == nullptr) {  // nothing was ever watched: nothing to read
    rss_by_group->clear();
    return true;
  }
  return rss_->Sample(rss_by_group, adopt_);
}

bool SystemMemorySampler::MemAvailable(uint64_t* bytes) {
  return ReadMemAvailable(meminfo_root_, bytes);
}

uint64_t SystemMemorySampler::OomKills(SlotId slot) {
  return cgroups_ == nullptr ? 0 : cgroups_->OomKills(slot.value());
}

}  // namespace coreflow
