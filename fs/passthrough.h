#pragma once
// FUSE passthrough (Linux 6.9 and later, CONFIG_FUSE_PASSTHROUGH): the kernel reads an open
// snapshot file straight from its backing file, the descriptor snapfs opened as the caller,
// without a READ request per 128 KiB and without copying the bytes through snapfs.
//
// libfuse 3.14 predates it, so snapfs speaks it under libfuse: DeviceIo accepts it in the INIT
// answer, an OPEN registers the backing file with the kernel (FUSE_DEV_IOC_BACKING_OPEN, which
// needs CAP_SYS_ADMIN) and sets FOPEN_PASSTHROUGH and the backing id in libfuse's answer on its
// way out, and the last RELEASE of the inode unregisters it. Whenever something refuses (no
// CAP_SYS_ADMIN, a kernel without it, a backing file the kernel will not stack on), the open is
// answered as before and reads come to snapfs: the user sees no error.
#include <fuse_lowlevel.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

struct fuse_init_out;

namespace snapfs {

class Passthrough {
 public:
  Passthrough(fuse_session* session, bool wanted);
  Passthrough(const Passthrough&) = delete;
  Passthrough& operator=(const Passthrough&) = delete;

  // From DeviceIo's hooks: accepts passthrough in libfuse's INIT answer when the kernel offered
  // it (`offered`: its INIT flags), and learns that the kernel has the answer.
  void accept_init_reply(std::uint64_t offered, fuse_init_out* init);
  void init_answered();
  bool active() const { return accepted_.load(); }

  // An open of the content inode `ino`: the backing id to answer it with, or 0 to answer it as
  // before. `backing_fd` gives a descriptor of the open backing file that the caller closes
  // (-1: none). The kernel keeps one backing file per inode while it is open, so opens of an
  // inode already open share its id, and an inode open without passthrough stays so until its
  // last release. Each open, answered or not, is given back with release().
  std::int32_t open(std::uint64_t ino, const std::function<int()>& backing_fd);
  void release(std::uint64_t ino);

  // Marks the answer this thread sends next, to the request it serves, as an open with
  // `backing_id` (0: nothing to change). Set around fuse_reply_open(), which writes the answer
  // on the calling thread.
  class Answer {
   public:
    explicit Answer(std::int32_t backing_id);
    ~Answer();
    Answer(const Answer&) = delete;
    Answer& operator=(const Answer&) = delete;
  };
  // From DeviceIo's writev hook: sets FOPEN_PASSTHROUGH and the backing id in the marked answer.
  static void change_open_reply(struct iovec* iov, int count);

 private:
  struct Backing {
    std::int32_t id = 0;  // 0: the inode's opens go without passthrough
    std::uint32_t opens = 0;
  };
  std::int32_t register_file(int fd);

  int device_;
  bool wanted_;
  bool capable_;
  std::atomic<bool> offered_{false};
  std::atomic<bool> init_changed_{false};
  std::atomic<bool> accepted_{false};
  std::atomic<bool> refused_{false};    // the kernel said EPERM: no more attempts
  std::atomic<bool> told_{false};       // the first refusal was logged
  std::atomic<bool> announced_{false};  // the first success was logged
  std::mutex mu_;
  std::unordered_map<std::uint64_t, Backing> inodes_;  // content inodes open, under mu_
};

}  // namespace snapfs
