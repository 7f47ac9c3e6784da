#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/environment.h"

namespace coreflow {

// One NVIDIA GPU as `nvidia-smi -L` lists it.
struct Gpu {
  int index = 0;                       // nvidia-smi's number (PCI bus order)
  std::string name;                    // "NVIDIA H200"
  std::string uuid;                    // "GPU-5f3c..."
  std::vector<std::string> mig_uuids;  // its MIG devices ("MIG-..."), if partitioned
};

// Parses `nvidia-smi -L`: "GPU 0: NAME (UUID: GPU-...)" lines, each followed by its "MIG ...
// Device N: (UUID: MIG-...)" lines. Anything else is skipped.
std::vector<Gpu> ParseNvidiaSmiList(std::string_view text);

// The GPUs a CUDA program would see. `visible` is CUDA_VISIBLE_DEVICES: null keeps all; else a
// comma-separated list of indexes, GPU UUIDs or unique UUID prefixes, or MIG UUIDs (naming
// their GPU), in which CUDA stops at the first entry that matches nothing (so "" and "-1"
// hide every GPU). Duplicates count once.
std::vector<Gpu> FilterVisibleGpus(const std::vector<Gpu>& gpus, const std::string* visible);

struct GpuList {
  std::vector<Gpu> gpus;  // visible ones, in CUDA_VISIBLE_DEVICES order
  int listed = 0;         // how many nvidia-smi listed before CUDA_VISIBLE_DEVICES
  bool ran = false;       // whether nvidia-smi ran and exited 0
  std::string note;       // why there are none: "no nvidia-smi on PATH", "nvidia-smi timed out"
};

// Runs `nvidia-smi -L` from env's PATH when it is there, for at most `timeout_ms`; any failure
// counts as no GPUs, with a note. The child is always reaped.
GpuList DetectGpus(const Environment& env, int timeout_ms = 3000);

}  // namespace coreflow
