#include "sys/stream_writer.h"

#include "sys/fd.h"

namespace coreflow {

int FdStreamWriter::Write(StdStream stream, std::string_view bytes) {
  return WriteAll(Descriptor(stream), bytes.data(), bytes.size());
}

}  // namespace coreflow
