#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "inputs/source.h"
#include "sys/wakeup.h"

namespace coreflow {

// Tuples of values made by another thread (coreflow-mpi's dispatcher, which gets them from
// rank 0) for the engine, which takes them one at a time as it would from its own sources and
// waits on fd() when there are none yet. Producers push, then End() or Fail(); everything
// pushed before is still taken.
class TupleQueue {
 public:
  // 0 or errno, from the eventfd.
  int Open() { return wakeup_.Open(); }

  // Producer side; safe from any thread.
  void Push(std::vector<std::vector<std::string>> tuples);
  void End();
  void Fail(std::string error);
  size_t size() const;     // tuples waiting
  uint64_t taken() const;  // tuples the consumer took so far

  // Consumer side: kValue, kWouldBlock (wait for fd()), then kEnd or kError with *err.
  ReadStatus Next(std::vector<std::string>* tuple, std::string* err);
  int fd() const { return wakeup_.fd(); }

 private:
  mutable std::mutex mu_;
  std::deque<std::vector<std::string>> tuples_;
  bool ended_ = false;
  std::string error_;
  uint64_t taken_ = 0;
  Wakeup wakeup_;
};

}  // namespace coreflow
