#include "inputs/tree_walk.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "sys/fd.h"

namespace coreflow {
namespace {

std::string Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace

TreeWalk::TreeWalk(DirectoryReader* reader, FindPattern pattern, int threads)
    : reader_(reader), pattern_(std::move(pattern)), threads_wanted_(std::max(1, threads)) {
  auto root = std::make_unique<Node>();
  root->path = pattern_.root;
  root->shown = pattern_.shown_root;
  root->positions = Closure({0});
  Node* node = root.get();
  cursor_.push_back(Cursor{std::move(root), node});
}

TreeWalk::~TreeWalk() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool TreeWalk::Start(std::string* err) {
  if (int e = wakeup_.Open()) {
    *err = fmt::format("--find '{}': cannot create an event descriptor: {}", pattern_.text,
                       ErrnoText(e));
    return false;
  }
  // The first directory is read here, so that a wrong start is an error before any task runs.
  Node* root = cursor_.front().node;
  Read(root);
  if (root->error != 0) {
    *err = fmt::format("--find '{}': cannot read directory '{}': {}", pattern_.text, root->path,
                       ErrnoText(root->error));
    return false;
  }
  for (int i = 0; i < threads_wanted_; ++i) {
    try {
      threads_.emplace_back([this] { Work(); });
    } catch (const std::system_error& e) {
      if (!threads_.empty()) break;  // fewer threads walk more slowly, but walk
      *err = fmt::format("--find '{}': cannot start a thread: {}", pattern_.text, e.what());
      return false;
    }
  }
  return true;
}

uint64_t TreeWalk::directories_read() const {
  std::lock_guard lock(mu_);
  return directories_read_;
}

std::vector<uint32_t> TreeWalk::Closure(std::vector<uint32_t> positions) const {
  // `**` also matches no directory at all, so the part after it applies here too.
  for (size_t i = 0; i < positions.size(); ++i) {
    uint32_t p = positions[i];
    if (pattern_.parts[p] == "**" && p + 1 < pattern_.parts.size()) positions.push_back(p + 1);
  }
  std::sort(positions.begin(), positions.end());
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  return positions;
}

void TreeWalk::Expand(Node* node, std::vector<DirEntry> entries) const {
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  const size_t last = pattern_.parts.size() - 1;
  node->names.reserve(entries.size());
  for (DirEntry& e : entries) {
    bool dir = e.type == DirEntry::Type::kDirectory;
    bool fits = dir == pattern_.directories;
    bool match = false;
    std::vector<uint32_t> inside;
    for (uint32_t p : node->positions) {
      const std::string& part = pattern_.parts[p];
      if (part == "**") {
        if (e.name.front() == '.') continue;  // as a shell's globstar: hidden names are skipped
        match = match || (p == last && fits);
        if (dir) inside.push_back(p);
      } else if (MatchesPart(part, e.name)) {
        match = match || (p == last && fits);
        if (dir && p < last) inside.push_back(p + 1);
      }
    }
    Child child;
    child.match = match;
    if (!inside.empty()) {
      child.sub = std::make_unique<Node>();
      child.sub->path = Join(node->shown, e.name);
      child.sub->shown = child.sub->path;
      child.sub->positions = Closure(std::move(inside));
      child.sub->order = node->order;
      child.sub->order.push_back(static_cast<uint32_t>(node->children.size()));
    }
    node->names.push_back(e.name);
    if (match || child.sub) {
      child.name = std::move(e.name);
      node->children.push_back(std::move(child));
    }
  }
}

void TreeWalk::Work() {
  for (;;) {
    Node* node = nullptr;
    {
      std::unique_lock lock(mu_);
      work_ready_.wait(lock, [this] { return stop_ || !queue_.empty() || busy_ == 0; });
      if (stop_ || queue_.empty()) return;  // stopped, or every directory is read
      node = queue_.top();
      queue_.pop();
      ++busy_;
    }
    Read(node);
    bool walked = false;
    {
      std::lock_guard lock(mu_);
      --busy_;
      walked = busy_ == 0 && queue_.empty();
    }
    if (walked) work_ready_.notify_all();  // the idle threads may end
  }
}

void TreeWalk::Read(Node* node) {
  // Only this thread touches an unread node, and the consumer waits for `read`.
  std::vector<DirEntry> entries;
  int error = reader_->Read(node->path, &entries);
  if (error == 0) Expand(node, std::move(entries));
  bool wake = false;
  bool more = false;
  {
    std::lock_guard lock(mu_);
    for (Child& c : node->children) {
      if (!c.sub) continue;
      queue_.push(c.sub.get());
      more = true;
    }
    node->error = error;
    node->read = true;
    ++directories_read_;
    wake = consumer_waiting_;
  }
  if (more) work_ready_.notify_all();
  if (wake) wakeup_.Signal();
}

TreeWalk::Step TreeWalk::Next(std::string* path, std::string* err) {
  std::lock_guard lock(mu_);
  if (consumer_waiting_) {
    wakeup_.Clear();
    consumer_waiting_ = false;
  }
  while (!cursor_.empty()) {
    Cursor& at = cursor_.back();
    Node* node = at.node;
    if (!node->read) {
      consumer_waiting_ = true;
      return Step::kNotYet;
    }
    if (node->error != 0) {
      *err = fmt::format("--find '{}': cannot read directory '{}': {}", pattern_.text, node->path,
                         ErrnoText(node->error));
      return Step::kError;
    }
    if (!at.entered) {
      at.entered = true;
      if (observer_) observer_(node->path, node->names);
      node->names = {};
    }
    if (at.next == node->children.size()) {
      cursor_.pop_back();  // frees the directory, whose matches are all given out
      continue;
    }
    Child& child = node->children[at.next];
    if (child.match && !at.matched) {
      at.matched = true;
      *path = Join(node->shown, child.name);
      return Step::kMatch;
    }
    ++at.next;
    at.matched = false;
    if (child.sub) {
      Node* sub = child.sub.get();
      cursor_.push_back(Cursor{std::move(child.sub), sub});
    }
  }
  return Step::kEnd;
}

}  // namespace coreflow
