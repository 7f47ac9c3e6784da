#include "mpi/batch_codec.h"

#include <cstdint>

namespace coreflow {
namespace {

void PutU32(uint32_t n, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((n >> (8 * i)) & 0xff));
}

bool GetU32(std::string_view* in, uint32_t* n) {
  if (in->size() < 4) return false;
  *n = 0;
  for (int i = 0; i < 4; ++i)
    *n |= static_cast<uint32_t>(static_cast<uint8_t>((*in)[i])) << (8 * i);
  in->remove_prefix(4);
  return true;
}

}  // namespace

std::string EncodeBatch(const std::vector<Tuple>& tuples) {
  std::string out;
  PutU32(static_cast<uint32_t>(tuples.size()), &out);
  for (const Tuple& t : tuples) {
    PutU32(static_cast<uint32_t>(t.size()), &out);
    for (const std::string& v : t) {
      PutU32(static_cast<uint32_t>(v.size()), &out);
      out += v;
    }
  }
  return out;
}

bool DecodeBatch(std::string_view body, std::vector<Tuple>* out) {
  out->clear();
  uint32_t count = 0;
  if (!GetU32(&body, &count) || count > body.size() / 4) return false;
  out->reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t values = 0;
    if (!GetU32(&body, &values) || values > body.size() / 4) return false;
    Tuple t;
    t.reserve(values);
    for (uint32_t j = 0; j < values; ++j) {
      uint32_t size = 0;
      if (!GetU32(&body, &size) || size > body.size()) return false;
      t.emplace_back(body.substr(0, size));
      body.remove_prefix(size);
    }
    out->push_back(std::move(t));
  }
  return body.empty();
}

}  // namespace coreflow
