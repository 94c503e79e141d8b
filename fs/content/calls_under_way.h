// The backing calls under way beneath one snapshot directory. A hard NFS mount whose server is
// gone holds every call on it, each until its caller's deadline: a crawl of such a snapshot
// would wait one deadline per directory. So when a call under way has already run for longer
// than a new caller could wait, the new call is answered ETIMEDOUT at once, and calls are made
// again as soon as the old one ends (the server answers again). A slow mount whose calls end
// within their callers' deadlines is never refused.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "providers/common/thread_annotations.h"
#include "providers/op_context.h"

namespace snapfs::content {

class CallsUnderWay {
 public:
  // `dir` names the snapshot's directory in the warning logged when calls start being refused.
  explicit CallsUnderWay(std::string dir) : dir_(std::move(dir)) {}

  // One backing call, under way from construction to destruction (on the thread making it).
  class Call {
   public:
    explicit Call(std::shared_ptr<CallsUnderWay> calls);
    ~Call();
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

   private:
    std::shared_ptr<CallsUnderWay> calls_;
    std::uint64_t id_;
  };

  // True when a call under way has run for longer than `ctx` leaves to wait: the caller is
  // answered ETIMEDOUT without a call.
  bool stuck_for(const OpContext& ctx);
  // Calls answered so (for tests).
  std::uint64_t refused() const;

 private:
  const std::string dir_;
  mutable Mutex mu_;
  // Start times by call id; ids grow with time, so the first is the oldest call.
  std::map<std::uint64_t, OpContext::Clock::time_point> started_ GUARDED_BY(mu_);
  std::uint64_t next_id_ GUARDED_BY(mu_) = 0;
  std::uint64_t refused_ GUARDED_BY(mu_) = 0;
  std::uint64_t warned_about_ GUARDED_BY(mu_) = ~std::uint64_t{0};  // the call last logged
};

}  // namespace snapfs::content
