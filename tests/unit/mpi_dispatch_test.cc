#include "mpi/dispatch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mpi/batch_codec.h"
#include "sys/fd.h"

namespace coreflow {
namespace {

// Ranks in one process: each has a mailbox the others post to.
class FakeHub {
 public:
  explicit FakeHub(int size) : boxes_(static_cast<size_t>(size)) {}
  void Post(int to, RankMessage m) {
    std::lock_guard<std::mutex> lock(mu_);
    boxes_[static_cast<size_t>(to)].push_back(std::move(m));
  }
  bool Take(int rank, RankMessage* out) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& box = boxes_[static_cast<size_t>(rank)];
    if (box.empty()) return false;
    *out = std::move(box.front());
    box.pop_front();
    return true;
  }
  int size() const { return static_cast<int>(boxes_.size()); }

 private:
  std::mutex mu_;
  std::vector<std::deque<RankMessage>> boxes_;
};

class FakeLink : public RankLink {
 public:
  FakeLink(FakeHub* hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return hub_->size(); }
  bool Send(int to, int tag, const std::string& body) override {
    hub_->Post(to, RankMessage{rank_, tag, body});
    return true;
  }
  bool TryReceive(RankMessage* out) override { return hub_->Take(rank_, out); }
  void Barrier() override {}
  int Max(int value) override { return value; }
  [[noreturn]] void Abort(int) override { std::abort(); }

 private:
  FakeHub* hub_;
  int rank_;
};

void Yield(int) { std::this_thread::yield(); }

// Takes tuples off a queue as an engine would, until it ends; `stop_after` > 0 stops early.
struct Consumer {
  std::vector<Tuple> got;
  std::string error;
  bool ended = false;
  void Run(TupleQueue* q, size_t stop_after = 0) {
    for (;;) {
      if (stop_after > 0 && got.size() >= stop_after) return;
      Tuple t;
      std::string err;
      ReadStatus s = q->Next(&t, &err);
      if (s == ReadStatus::kValue) {
        got.push_back(std::move(t));
      } else if (s == ReadStatus::kWouldBlock) {
        ASSERT_EQ(WaitReadable(q->fd()), 0);
      } else {
        ended = true;
        error = err;
        return;
      }
    }
  }
};

// A producer of `n` tuples {"i", "x<TAB>i"}, failing after `fail_at` when that is set.
TupleProducer Counting(int n, int fail_at = -1) {
  auto next = std::make_shared<int>(0);
  return [=](Tuple* t, std::string* err) {
    if (*next == fail_at) {
      *err = "line 3 of items.txt: bad";
      return ReadStatus::kError;
    }
    if (*next >= n) return ReadStatus::kEnd;
    *t = {std::to_string(*next), "x\t" + std::to_string(*next)};
    ++*next;
    return ReadStatus::kValue;
  };
}

struct Job {
  explicit Job(int ranks)
      : hub(ranks), queues(static_cast<size_t>(ranks)), consumers(static_cast<size_t>(ranks)) {
    for (int r = 0; r < ranks; ++r) {
      links.push_back(std::make_unique<FakeLink>(&hub, r));
      EXPECT_EQ(queues[static_cast<size_t>(r)].Open(), 0);
    }
  }
  // Runs the dealer and every fetcher with a consumer each; rank `early` stops after taking
  // `early_after` tuples (0: before its fetcher starts).
  void Run(TupleProducer produce, int slots, int early = -1, size_t early_after = 5) {
    std::atomic<bool> stops[16] = {};
    std::vector<std::thread> threads;
    Dealer dealer(links[0].get(), std::move(produce), &queues[0], slots, Yield);
    std::vector<std::unique_ptr<Fetcher>> fetchers;
    for (size_t r = 1; r < links.size(); ++r) {
      fetchers.push_back(std::make_unique<Fetcher>(links[r].get(), &queues[r], slots, Yield));
    }
    if (early >= 0 && early_after == 0) stops[early] = true;
    threads.emplace_back([&] { dealer.Run(&stops[0]); });
    for (size_t r = 1; r < links.size(); ++r) {
      threads.emplace_back([&, r] { fetchers[r - 1]->Run(&stops[r]); });
    }
    std::vector<std::thread> engines;
    for (size_t r = 0; r < links.size(); ++r) {
      if (static_cast<int>(r) == early && early_after == 0) continue;
      engines.emplace_back([&, r] {
        consumers[r].Run(&queues[r], static_cast<int>(r) == early ? early_after : 0);
        stops[r] = true;  // as RankRun::Finish does once the engine is done
      });
    }
    for (auto& t : engines) t.join();
    for (auto& t : threads) t.join();
    dealt = dealer.dealt();
  }

  FakeHub hub;
  std::vector<std::unique_ptr<FakeLink>> links;
  std::vector<TupleQueue> queues;
  std::vector<Consumer> consumers;
  uint64_t dealt = 0;
};

TEST(DispatchTest, EveryTupleGoesToExactlyOneRank) {
  Job job(4);
  job.Run(Counting(20000), 2);
  std::set<std::string> seen;
  for (const Consumer& c : job.consumers) {
    EXPECT_TRUE(c.ended);
    EXPECT_EQ(c.error, "");
    for (const Tuple& t : c.got) {
      ASSERT_EQ(t.size(), 2u);
      EXPECT_EQ(t[1], "x\t" + t[0]) << "values travel unchanged";
      EXPECT_TRUE(seen.insert(t[0]).second) << t[0] << " twice";
    }
  }
  EXPECT_EQ(seen.size(), 20000u);
  EXPECT_EQ(job.dealt, 20000u);
}

TEST(DispatchTest, AReadErrorEndsEveryRankWithItAfterWhatCameBefore) {
  Job job(3);
  job.Run(Counting(1000, 100), 4);
  size_t total = 0;
  for (const Consumer& c : job.consumers) {
    EXPECT_TRUE(c.ended);
    EXPECT_EQ(c.error, "line 3 of items.txt: bad");
    total += c.got.size();
  }
  EXPECT_EQ(total, 100u);
}

TEST(DispatchTest, ARankThatStopsEarlySaysGoodbyeAndTheOthersFinish) {
  Job job(3);
  job.Run(Counting(5000), 2, /*early=*/1);  // returning at all shows nobody waits for rank 1
  EXPECT_LE(job.consumers[1].got.size(), 5u);
  std::set<std::string> seen;
  for (const Consumer& c : job.consumers) {
    for (const Tuple& t : c.got) EXPECT_TRUE(seen.insert(t[0]).second);
  }
  // What rank 1 had fetched and not taken is lost to this run (a resume runs it); the rest ran.
  EXPECT_TRUE(job.consumers[0].ended);
  EXPECT_TRUE(job.consumers[2].ended);
  EXPECT_GT(seen.size(), 4000u);
}

TEST(DispatchTest, ARankStoppedBeforeItAskedTakesNothing) {
  Job job(3);
  job.Run(Counting(3000), 2, /*early=*/2, /*early_after=*/0);
  EXPECT_TRUE(job.consumers[2].got.empty());
  EXPECT_EQ(job.consumers[0].got.size() + job.consumers[1].got.size(), 3000u);
}

TEST(DispatchTest, NoInputsEndsEveryRank) {
  Job job(2);
  job.Run(Counting(0), 1);
  for (const Consumer& c : job.consumers) {
    EXPECT_TRUE(c.ended);
    EXPECT_TRUE(c.got.empty());
  }
}

TEST(AskSizeTest, AtLeastTheSlotsAndMoreForFastTasks) {
  AskSize size(4);
  EXPECT_EQ(size.Next(0, 0), 4u);
  EXPECT_EQ(size.Next(2, 1.0), 4u) << "slow tasks: one round of slots";
  EXPECT_EQ(size.Next(20002, 1.0), 501u) << "about 50 ms at the smoothed rate (10001/s)";
  EXPECT_EQ(size.want(), 501u);
  EXPECT_EQ(size.Next(100'000'000, 1.0), AskSize::kMost);
}

TEST(AskSizeTest, TuplesTakenInABurstAreNoRate) {
  // An engine fills its 4 slots within microseconds of starting: hour-long tasks must not look
  // like a million per second, or the first rank to ask would take every input.
  AskSize size(4);
  EXPECT_EQ(size.Next(0, 0), 4u);
  EXPECT_EQ(size.Next(4, 0.0001), 4u);
  EXPECT_EQ(size.Next(8, 0.0001), 4u);
  EXPECT_EQ(size.Next(8, 0.2), 4u) << "8 in 200 ms: 40/s, 2 in 50 ms, so the slots";
  // Short calls add up to one window: 300 in 60 ms is 5000/s, smoothed to 2520/s.
  EXPECT_EQ(size.Next(108, 0.02), 4u);
  EXPECT_EQ(size.Next(208, 0.02), 4u);
  EXPECT_EQ(size.Next(308, 0.02), 126u);
}

TEST(BatchCodecTest, RoundTripsAnyBytes) {
  std::vector<Tuple> batch = {{"a", std::string("b\0c", 3)}, {}, {"", "\t\n\\"}};
  std::vector<Tuple> back;
  ASSERT_TRUE(DecodeBatch(EncodeBatch(batch), &back));
  EXPECT_EQ(back, batch);
  ASSERT_TRUE(DecodeBatch(EncodeBatch({}), &back));
  EXPECT_TRUE(back.empty());
}

TEST(BatchCodecTest, RejectsWhatIsCutOrPadded) {
  std::string body = EncodeBatch({{"abc", "de"}, {"f"}});
  std::vector<Tuple> back;
  for (size_t n = 0; n < body.size(); ++n) {
    EXPECT_FALSE(DecodeBatch(std::string_view(body).substr(0, n), &back)) << n;
  }
  EXPECT_FALSE(DecodeBatch(body + "x", &back));
  EXPECT_FALSE(DecodeBatch(std::string("\xff\xff\xff\x7f", 4), &back)) << "a count past the end";
}

}  // namespace
}  // namespace coreflow
