#include "mpi/dispatch.h"

#include <gtest/gtest.h>

#include <algorithm>
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
#include "mpi/output_relay.h"
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
// With `outbox`, "prints" each tuple's first value as a group of its own.
struct Consumer {
  std::vector<Tuple> got;
  std::string error;
  bool ended = false;
  Outbox* outbox = nullptr;
  bool ordered = false;  // -k: each group is one task's, of one input
  void Run(TupleQueue* q, size_t stop_after = 0) {
    for (;;) {
      if (stop_after > 0 && got.size() >= stop_after) return;
      Tuple t;
      std::string err;
      ReadStatus s = q->Next(&t, &err);
      if (s == ReadStatus::kValue) {
        if (outbox != nullptr) {
          outbox->Push(EncodeGroup({ordered ? 1u : 0u, {{StdStream::kOut, t[0] + "\n"}}}));
        }
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
    RankOutput output(static_cast<int>(links.size()), ordered, [this](const OutputGroup& g) {
      ASSERT_EQ(g.pieces.size(), 1u);
      printed.push_back(g.pieces[0].bytes.substr(0, g.pieces[0].bytes.size() - 1));
    });
    // With -k, rank 0's engine prints through the dealer too.
    Outbox* local_outbox = ordered && !outboxes.empty() ? outboxes[0].get() : nullptr;
    consumers[0].outbox = local_outbox;
    for (Consumer& c : consumers) c.ordered = ordered;
    Dealer dealer(links[0].get(), std::move(produce), &queues[0], slots, Yield, &output,
                  local_outbox);
    dealer.DealInMultiplesOf(unit);
    std::vector<std::unique_ptr<Fetcher>> fetchers;
    for (size_t r = 1; r < links.size(); ++r) {
      Outbox* outbox = outboxes.empty() ? nullptr : outboxes[r].get();
      consumers[r].outbox = outbox;
      fetchers.push_back(
          std::make_unique<Fetcher>(links[r].get(), &queues[r], slots, Yield, outbox));
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
  std::vector<std::unique_ptr<Outbox>> outboxes;  // one per rank, when the ranks print
  bool ordered = false;                           // -k
  uint64_t unit = 1;                              // -N
  std::vector<std::string> printed;               // what rank 0 wrote, a line per group
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

TEST(DispatchTest, WhatTheRanksPrintReachesRank0BeforeTheDealerReturns) {
  Job job(3);
  for (int r = 0; r < 3; ++r) job.outboxes.push_back(std::make_unique<Outbox>(64));
  job.Run(Counting(3000), 2);
  // Each rank's groups, in the order it printed them; tiny outboxes made engines wait.
  std::vector<std::string> expected;
  for (size_t r = 1; r < 3; ++r) {
    for (const Tuple& t : job.consumers[r].got) expected.push_back(t[0]);
  }
  std::vector<std::string> got = job.printed;
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, expected);
  EXPECT_GT(got.size(), 0u);
}

// The numbers of the tuples the job's consumers took, in input order.
std::vector<std::string> TakenInOrder(const Job& job) {
  std::vector<int> numbers;
  for (const Consumer& c : job.consumers) {
    for (const Tuple& t : c.got) numbers.push_back(std::stoi(t[0]));
  }
  std::sort(numbers.begin(), numbers.end());
  std::vector<std::string> out;
  for (int n : numbers) out.push_back(std::to_string(n));
  return out;
}

TEST(DispatchTest, WithKeepOrderEveryRanksOutputComesOutInInputOrder) {
  Job job(3);
  job.ordered = true;
  for (int r = 0; r < 3; ++r) job.outboxes.push_back(std::make_unique<Outbox>(64));
  job.Run(Counting(3000), 2);
  EXPECT_EQ(job.printed.size(), 3000u);
  EXPECT_EQ(job.printed, TakenInOrder(job));
}

TEST(DispatchTest, WithKeepOrderARankThatStopsEarlyHoldsNothingUp) {
  Job job(3);
  job.ordered = true;
  for (int r = 0; r < 3; ++r) job.outboxes.push_back(std::make_unique<Outbox>(64));
  job.Run(Counting(3000), 2, /*early=*/1, /*early_after=*/5);
  // What rank 1 fetched and never ran leaves gaps; the rest comes out, in order.
  EXPECT_EQ(job.printed, TakenInOrder(job));
  EXPECT_GT(job.printed.size(), 2000u);
}

TEST(DispatchTest, WithDashNEachRankGetsWholeCommandsOfNeighbouringInputs) {
  Job job(3);
  job.unit = 3;
  job.Run(Counting(3001), 2);
  size_t odd_runs = 0;  // runs of neighbouring inputs whose length is no multiple of 3
  for (const Consumer& c : job.consumers) {
    size_t run = 0;
    for (size_t i = 0; i <= c.got.size(); ++i) {
      if (i > 0 &&
          (i == c.got.size() || std::stoi(c.got[i][0]) != std::stoi(c.got[i - 1][0]) + 1)) {
        if (run % 3 != 0) ++odd_runs;
        run = 0;
      }
      ++run;
    }
  }
  EXPECT_EQ(odd_runs, 1u) << "only the last input, 3000, is alone";
}

TEST(OutputRelayTest, GroupsRoundTripAndMalformedOnesAreRefused) {
  OutputGroup group = {
      7,
      {{StdStream::kOut, "a\n"}, {StdStream::kErr, std::string("b\0c", 3)}, {StdStream::kOut, ""}}};
  OutputGroup back;
  ASSERT_TRUE(DecodeGroup(EncodeGroup(group), &back));
  EXPECT_EQ(back, group);
  std::string body = EncodeGroup(group);
  EXPECT_FALSE(DecodeGroup(body.substr(0, body.size() - 1), &back)) << "cut";
  EXPECT_FALSE(DecodeGroup(body.substr(0, 8) + "3" + body.substr(9), &back)) << "no stream 3";
  EXPECT_FALSE(DecodeGroup("", &back)) << "no count of inputs";
  ASSERT_TRUE(DecodeGroup(EncodeGroup(OutputGroup{}), &back));
  EXPECT_EQ(back, OutputGroup{});
}

TEST(OutputRelayTest, AForwardingWriterSendsEachGroupWholeAndNothingForSilence) {
  Outbox outbox;
  ForwardingWriter writer(&outbox);
  writer.BeginGroup();
  writer.BeginGroup();  // nested, as the output sink nests them
  EXPECT_EQ(writer.Write(StdStream::kOut, "one "), 0);
  writer.EndGroup();
  writer.Write(StdStream::kOut, "two\n");
  writer.Write(StdStream::kErr, "warning\n");
  writer.EndGroup();
  writer.BeginGroup();
  writer.EndGroup();  // a task that printed nothing
  writer.Write(StdStream::kErr, "alone\n");
  writer.BeginGroup();
  writer.MarkTask(3);  // -k: a task of 3 inputs that printed nothing, which keeps its place
  writer.EndGroup();
  std::string group;
  OutputGroup got;
  ASSERT_TRUE(outbox.Pop(&group));
  ASSERT_TRUE(DecodeGroup(group, &got));
  EXPECT_EQ(got,
            (OutputGroup{0, {{StdStream::kOut, "one two\n"}, {StdStream::kErr, "warning\n"}}}));
  ASSERT_TRUE(outbox.Pop(&group));
  ASSERT_TRUE(DecodeGroup(group, &got));
  EXPECT_EQ(got, (OutputGroup{0, {{StdStream::kErr, "alone\n"}}}));
  ASSERT_TRUE(outbox.Pop(&group));
  ASSERT_TRUE(DecodeGroup(group, &got));
  EXPECT_EQ(got, (OutputGroup{3, {}}));
  EXPECT_FALSE(outbox.Pop(&group));
  outbox.Close();
  writer.Write(StdStream::kOut, "after the end\n");  // dropped, never blocks
  EXPECT_FALSE(outbox.Pop(&group));
}

// Records every write, from any thread.
class RecordingWriter : public StreamWriter {
 public:
  int Write(StdStream, std::string_view bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    writes.emplace_back(bytes);
    return 0;
  }
  std::mutex mu_;
  std::vector<std::string> writes;
};

TEST(OutputRelayTest, NothingComesBetweenThePiecesOfAGroup) {
  RecordingWriter real;
  SharedWriter shared(&real);
  std::thread others([&] {
    for (int i = 0; i < 2000; ++i) {
      shared.WriteGroup({0, {{StdStream::kOut, "r1:a "}, {StdStream::kOut, "r1:b\n"}}});
    }
  });
  for (int i = 0; i < 2000; ++i) {
    shared.BeginGroup();
    shared.Write(StdStream::kOut, "r0:a ");
    shared.Write(StdStream::kOut, "r0:b\n");
    shared.EndGroup();
  }
  others.join();
  ASSERT_EQ(real.writes.size(), 8000u);
  for (size_t i = 0; i < real.writes.size(); i += 2) {
    EXPECT_EQ(real.writes[i].substr(0, 3), real.writes[i + 1].substr(0, 3)) << i;
  }
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
