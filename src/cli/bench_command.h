#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace coreflow {

struct BenchFlags {
  std::vector<std::string> configs;  // NAME=ARGS
  int block = 0;                     // items per block; 0: chosen from the cores
  int warmup = 1;                    // rounds
  std::string budget = "60s";
  double precision = 2;  // percent
  uint64_t seed = 1;
  std::string compare;  // a command that compares two files of output
  std::string report;   // JSON
  std::string html;     // a page
};

// Declares `coreflow bench -c NAME=ARGS -c NAME=ARGS ... ::: ITEMS` on `app` (docs/bench.md).
CLI::App* AddBenchCommand(CLI::App& app, BenchFlags* flags);

// Runs the configurations side by side on the items and prints the table. Returns 0, 1 when
// the outputs of the configurations differ, 255 on an error.
int BenchMain(const BenchFlags& flags, const std::vector<std::string>& rest);

}  // namespace coreflow
