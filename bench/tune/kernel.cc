// One task for the tuning benchmark (bench/tune.sh): a cache-bound OpenMP sweep.
//
//   kernel ITEM    prints "ITEM<TAB>checksum"
//
// It allocates a working set of KERNEL_WS_KIB KiB (default 3072: 3 MiB), cut into chunks of
// 64 KiB that are dealt round-robin to the OpenMP threads (omp_get_max_threads(), which follows
// OMP_NUM_THREADS). Every chunk's 64-byte lines are linked into one cycle in a random order
// (seeded by ITEM and the chunk's number), and each thread walks the cycles of its chunks
// KERNEL_PASSES times, updating every line it visits: a chain of dependent loads that the
// prefetchers cannot guess, so each step costs the latency of the cache level the thread's
// part lives in. A thread's part is WS / threads: with 2 MiB of L2 per core, 3 MiB spills to
// L3 with one thread and fits in L2 with two.
//
// A chunk's contents after the sweeps depend on its own contents and the pass count only, and
// the checksum combines per-chunk hashes in chunk order: the output is the same whatever the
// thread count.
//
// Build: g++ -O2 -fopenmp -std=c++20 -o kernel kernel.cc
#include <omp.h>

#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace {

constexpr size_t kLine = 64;
constexpr size_t kChunkBytes = 64 * 1024;
constexpr size_t kLinesPerChunk = kChunkBytes / kLine;
constexpr long kDefaultWsKib = 3 * 1024;
constexpr long kDefaultPasses = 200;

struct alignas(kLine) Line {
  uint32_t next;  // the index, within its chunk, of the line that follows it in the cycle
  uint32_t pad;
  uint64_t words[7];
};
static_assert(sizeof(Line) == kLine);

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

long EnvNumber(const char* name, long fallback, long min, long max) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (*end != '\0' || v < min || v > max) {
    std::fprintf(stderr, "kernel: %s must be a whole number from %ld to %ld, not '%s'\n", name, min,
                 max, text);
    std::exit(2);
  }
  return v;
}

// Fills a chunk and links its lines into one random cycle (Sattolo's shuffle).
void InitChunk(Line* chunk, uint64_t seed) {
  std::vector<uint32_t> order(kLinesPerChunk);
  for (uint32_t i = 0; i < kLinesPerChunk; ++i) order[i] = i;
  uint64_t state = seed;
  for (size_t i = kLinesPerChunk - 1; i > 0; --i) {
    state = Mix(state);
    size_t j = state % i;  // j < i: a single cycle through every line
    std::swap(order[i], order[j]);
  }
  for (size_t i = 0; i < kLinesPerChunk; ++i) {
    Line& l = chunk[order[i]];
    l.next = order[(i + 1) % kLinesPerChunk];
    l.pad = 0;
    for (int w = 0; w < 7; ++w) l.words[w] = Mix(seed ^ (i * 8 + w));
  }
}

// One pass: walks the chunk's cycle from line 0, a read-modify-write at every step.
void SweepChunk(Line* chunk) {
  uint64_t carry = chunk[0].words[0];
  uint32_t at = 0;
  for (size_t step = 0; step < kLinesPerChunk; ++step) {
    Line& l = chunk[at];
    uint64_t v = l.words[(carry >> 7) % 7];
    carry = (carry ^ v) * 0x2545f4914f6cdd1dULL + step;
    l.words[carry % 7] += carry;
    at = l.next;
  }
}

uint64_t HashChunk(const Line* chunk) {
  uint64_t h = 0;
  for (size_t i = 0; i < kLinesPerChunk; ++i) {
    for (int w = 0; w < 7; ++w) h = Mix(h ^ chunk[i].words[w]);
  }
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kernel ITEM  (environment: KERNEL_WS_KIB, KERNEL_PASSES)\n");
    return 2;
  }
  std::string_view item = argv[1];
  long ws_kib = EnvNumber("KERNEL_WS_KIB", kDefaultWsKib, 64, 64L * 1024 * 1024);
  long passes = EnvNumber("KERNEL_PASSES", kDefaultPasses, 1, 1000000000);
  size_t chunks = (static_cast<size_t>(ws_kib) * 1024 + kChunkBytes - 1) / kChunkBytes;

  uint64_t seed = 0x636f7265666c6f77ULL;  // the item's hash: every item has data of its own
  for (char c : item) seed = Mix(seed ^ static_cast<unsigned char>(c));

  void* memory = std::aligned_alloc(4096, chunks * kChunkBytes);
  if (memory == nullptr) {
    std::fprintf(stderr, "kernel: cannot allocate %zu bytes\n", chunks * kChunkBytes);
    return 1;
  }
  auto* data = static_cast<Line*>(memory);
  std::vector<uint64_t> hashes(chunks);

#pragma omp parallel
  {
    // Chunk c belongs to thread c % threads: it initializes, sweeps and hashes it, so that
    // the chunk sits in that thread's core's caches from the start.
    size_t threads = static_cast<size_t>(omp_get_num_threads());
    size_t me = static_cast<size_t>(omp_get_thread_num());
    for (size_t c = me; c < chunks; c += threads)
      InitChunk(data + c * kLinesPerChunk, Mix(seed + c));
    for (long p = 0; p < passes; ++p) {
      for (size_t c = me; c < chunks; c += threads) SweepChunk(data + c * kLinesPerChunk);
    }
    for (size_t c = me; c < chunks; c += threads) hashes[c] = HashChunk(data + c * kLinesPerChunk);
  }

  uint64_t checksum = 0;
  for (uint64_t h : hashes) checksum = Mix(checksum ^ h);
  std::printf("%.*s\t%016" PRIx64 "\n", static_cast<int>(item.size()), item.data(), checksum);
  std::free(memory);
  return 0;
}
