// The FUSE low-level adapter: translates kernel requests into Namespace calls and their errno
// results into replies. Every request gets an OpContext (deadline + interrupt flag).
#pragma once

#include <fuse_lowlevel.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "fs/namespace.h"

namespace snapfs {

// Sends kernel cache invalidations from a thread of its own: libfuse deadlocks when they are
// sent from the handler of a related operation.
class FuseNotifier : public KernelNotifier {
 public:
  FuseNotifier() = default;
  ~FuseNotifier() override;
  void start(fuse_session* session);
  void stop();

  void inval_entry(std::uint64_t parent, const std::string& name) override;
  void inval_inode(std::uint64_t ino) override;

 private:
  struct Item {
    std::uint64_t ino;
    std::string name;  // empty: inode attributes
  };
  void run();

  fuse_session* session_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

struct FuseAdapterConfig {
  Namespace* ns = nullptr;
  std::chrono::milliseconds timeout{20000};
};

// The operation table; fuse_session_new's userdata must be a FuseAdapterConfig*.
fuse_lowlevel_ops make_lowlevel_ops();

}  // namespace snapfs
