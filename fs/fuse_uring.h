#pragma once
// FUSE over io_uring (Linux 6.14 and later, with /sys/module/fuse/parameters/enable_uring set):
// the kernel queues each request on the ring of the CPU that made it, and a thread kept on that
// CPU answers it. Over /dev/fuse, each request and each answer wakes a thread on whichever CPU
// it last ran; on virtual machines whose idle CPUs halt, each of those wake-ups is a costly exit
// to the hypervisor, paid twice per request.
//
// libfuse 3.14 predates this transport, so snapfs speaks it under libfuse: requests taken from a
// ring are laid out as /dev/fuse would deliver them and handed to fuse_session_process_buf(), and
// libfuse's answers reach the ring through its custom I/O hooks (DeviceIo).
#include <fuse_lowlevel.h>
#include <liburing.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct fuse_init_out;

namespace snapfs {

class FuseUring {
 public:
  // One registered buffer pair: the kernel writes a request into it, and snapfs its answer.
  struct Entry;
  struct Queue;

  FuseUring(fuse_session* session, bool wanted);
  ~FuseUring();
  FuseUring(const FuseUring&) = delete;
  FuseUring& operator=(const FuseUring&) = delete;

  // From DeviceIo's hooks. The INIT answer accepts the transport when the kernel offered it
  // (`offered`: its INIT flags) and tells how large a request's payload may be.
  void accept_init_reply(std::uint64_t offered, fuse_init_out* init);
  void init_answered();
  // Sends an answer through the ring whose request this thread serves; false when the answer is
  // not one of a ring's requests (it goes to the device).
  bool take_answer(struct iovec* iov, int count, ssize_t* sent);
  // Whether the request the calling thread serves came over a ring: its answer must then leave
  // through take_answer, never by a splice into the device.
  static bool answering_over_ring();

  // True once the INIT answer accepted the transport and the rings still have to be built.
  bool setup_due() const { return setup_due_.load(); }
  // Builds one ring per CPU. False (and a warning logged) when the kernel or memory refuses;
  // requests then keep coming over /dev/fuse.
  bool set_up(int stop_fd);
  std::size_t queue_count() const { return queues_.size(); }
  bool active() const { return !queues_.empty(); }

  enum class Served { Request, Nothing, Stop, Gone, Error };
  // Waits for and answers the next request of ring `q`, on the calling thread. Nothing: no
  // request came (a signal, or an entry the kernel refused); Stop: the stop eventfd fired; Gone:
  // the file system was unmounted; Error: the ring itself failed.
  Served serve_one(std::size_t q);
  int cpu_of(std::size_t q) const;

  std::uint64_t requests() const { return requests_.load(); }

 private:
  ssize_t commit(Entry* entry, const struct iovec* iov, int count);
  void answer_error(Entry* entry, int error);
  bool register_entries(Queue* queue);

  fuse_session* session_;
  int device_;
  bool wanted_;
  std::atomic<bool> setup_due_{false};
  std::size_t payload_size_ = 0;
  int stop_fd_ = -1;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::atomic<std::uint64_t> requests_{0};
};

}  // namespace snapfs
