// The FUSE low-level adapter: translates kernel requests into Namespace calls and their errno
// results into replies. Every request gets an OpContext (deadline + interrupt flag).
#pragma once

#include <fuse_lowlevel.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fs/namespace.h"
#include "fs/passthrough.h"
#include "providers/common/thread_annotations.h"

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

  fuse_session* session_ = nullptr;  // set by start() before the thread runs
  // A leaf lock: Namespace calls inval_*() with or without its own mu_ held.
  Mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// Listings read without a directory handle. Once the kernel knows OPENDIR is not needed it
// sends neither OPENDIR nor RELEASEDIR (two round trips less per directory) and keeps what it
// read in its readdir cache until told otherwise. A read at offset 0 takes the listing; later
// offsets of the same read continue in that copy, so a listing that changes in between never
// makes `ls` skip or repeat a name. Two readers of one directory each keep their own copy: the
// offsets a copy hands out carry its generation (upper bits) besides the entry's index, and the
// kernel hands them back unchanged.
class DirReads {
 public:
  struct Copy {
    std::uint64_t ino = 0;
    std::uint32_t generation = 0;  // set by started()
    std::vector<DirEntryReply> entries;
  };
  using CopyPtr = std::shared_ptr<const Copy>;

  // Offsets: the index of the entry a read continues with in the low 32 bits, a 16-bit mark of
  // the name read last above them, and the generation in the 15 bits above those, so that an
  // offset stays a positive off_t. Reads through a directory handle use plain indexes.
  static constexpr int kIndexBits = 32;
  static constexpr int kMarkBits = 16;
  static off_t offset_of(std::uint32_t generation, std::uint64_t index, std::uint16_t mark = 0) {
    return static_cast<off_t>((static_cast<std::uint64_t>(generation) << (kIndexBits + kMarkBits)) |
                              (static_cast<std::uint64_t>(mark) << kIndexBits) | index);
  }
  static std::uint64_t index_of(off_t offset) {
    return static_cast<std::uint64_t>(offset) & ((std::uint64_t{1} << kIndexBits) - 1);
  }
  static std::uint16_t mark_of(off_t offset) {
    return static_cast<std::uint16_t>(static_cast<std::uint64_t>(offset) >> kIndexBits);
  }
  static std::uint32_t generation_of(off_t offset) {
    return static_cast<std::uint32_t>(static_cast<std::uint64_t>(offset) >>
                                      (kIndexBits + kMarkBits));
  }
  // A short hash of a name, never 0 (0: no name, e.g. after "." or "..").
  static std::uint16_t mark_of_name(const std::string& name);
  // Where a read at `offset` goes on in `fresh` when the copy it started in is gone (dropped
  // after a reader of the kernel's cached copy of it read the end, or as the oldest): after the
  // entry nearest its old place whose name has the offset's mark, so that the names around it
  // are neither skipped nor repeated; at the same index when no entry has that mark.
  static std::uint64_t resume_at(const Copy& fresh, off_t offset);

  // The copy a read of `ino` at `offset` continues, or null when it must take the listing afresh.
  CopyPtr continued(std::uint64_t ino, off_t offset);
  // Gives `copy` a generation of its own and keeps it for the reads that continue it.
  CopyPtr started(std::shared_ptr<Copy> copy);
  void finished(const Copy& copy);

 private:
  // Readers that stop halfway (a killed `ls`) leave a copy behind; this many are kept at most,
  // the oldest dropped first.
  static constexpr std::size_t kMaxOpen = 64;
  Mutex mu_;  // a leaf lock
  std::uint32_t last_generation_ GUARDED_BY(mu_) = 0;
  std::map<std::uint32_t, CopyPtr> open_ GUARDED_BY(mu_);  // by generation: the first is the oldest
};

// The cancel flags of the requests being served. libfuse calls an interrupt function with the
// data it was given, from the thread that read the INTERRUPT and possibly while the request is
// being answered on another: that data is this object, which lives as long as the session, and
// it finds the flag (shared, so never freed under it) by request, or nothing once the request's
// context is gone.
class RequestFlags {
 public:
  using Flag = std::shared_ptr<std::atomic<bool>>;
  // Registers the request's flag; it is set at once when the mount is shutting down, or when the
  // kernel already interrupted the request.
  void add(fuse_req_t req, Flag flag);
  // Unregisters the request's flag; safe after the reply, when `req` may name a new request.
  void remove(fuse_req_t req, const Flag& flag);
  // The mount is going away: every request's flag is set, now and from now on, so that calls
  // waiting on the API end at once instead of at their deadline.
  void cancel_all();
  bool shutting_down() const { return shutting_down_.load(); }

 private:
  static void on_interrupt(fuse_req_t req, void* self);
  Mutex mu_;  // a leaf lock: libfuse's interrupt call is made outside it (see add())
  std::unordered_map<fuse_req_t, Flag> flags_ GUARDED_BY(mu_);
  std::atomic<bool> shutting_down_{false};
};

struct FuseAdapterConfig {
  Namespace* ns = nullptr;
  std::chrono::milliseconds timeout{20000};
  bool handle_free_dirs = false;  // set in init when the kernel accepts ENOSYS from OPENDIR
  bool splice_reads = false;      // set in init when libfuse may splice answers into the device
  unsigned max_read = 0;          // the mount's max_read option (0: none), which init repeats
  Passthrough* passthrough = nullptr;  // null: -o passthrough=0
  DirReads dir_reads;
  RequestFlags requests;
};

// The operation table; fuse_session_new's userdata must be a FuseAdapterConfig*.
fuse_lowlevel_ops make_lowlevel_ops();

}  // namespace snapfs
