#pragma once

#include <CLI/CLI.hpp>

namespace coreflow {

struct HwFlags {
  bool json = false;
};

// Declares `coreflow hw [--json]` on `app`.
CLI::App* AddHwCommand(CLI::App& app, HwFlags* flags);

// Prints what this allocation really has: usable cores and memory and what limited them, the
// topology, GPUs, BLAS and the hardware signature. Returns the exit status, 0.
int HwMain(const HwFlags& flags);

}  // namespace coreflow
