#pragma once
// The one I/O layer between libfuse and the FUSE device, for what libfuse 3.14 cannot do itself:
// FUSE over io_uring (FuseUring) and passthrough of reads to a snapshot's files (Passthrough).
// Both need to see the INIT request and change libfuse's INIT answer, and passthrough also
// changes the answer to an OPEN, which over io_uring leaves through the ring instead of the
// device; a session has a single set of I/O hooks (fuse_session_custom_io), so both features go
// through this one. Installed only when one of them is wanted: otherwise libfuse reads and
// writes the device itself.
#include <fuse_lowlevel.h>
#include <sys/uio.h>

#include <atomic>
#include <cstdint>

namespace snapfs {

class FuseUring;
class Passthrough;

class DeviceIo {
 public:
  // Either may be null (not wanted); both must outlive the session.
  DeviceIo(fuse_session* session, FuseUring* uring, Passthrough* passthrough);
  DeviceIo(const DeviceIo&) = delete;
  DeviceIo& operator=(const DeviceIo&) = delete;

  // Installs the hooks on the session; call once, before the first request is read.
  bool install();

  // The unique of the request the calling thread is serving (0: none known). Set by the device
  // read and by the rings (note_request), both on the thread that then runs the operation.
  static std::uint64_t current_request();
  static void note_request(std::uint64_t unique);

 private:
  static DeviceIo*& instance();
  static ssize_t read_hook(int fd, void* buf, size_t len, void* userdata);
  static ssize_t writev_hook(int fd, struct iovec* iov, int count, void* userdata);
  static ssize_t splice_hook(int in, off_t* in_offset, int out, off_t* out_offset, size_t len,
                             unsigned int flags, void* userdata);
  void inspect_init(const void* buf, std::size_t len);
  void change_init_reply(struct iovec* iov, int count);

  fuse_session* session_;
  int device_;
  FuseUring* uring_;
  Passthrough* passthrough_;
  std::atomic<std::uint64_t> offered_{0};  // the kernel's INIT flags (flags2 in the upper half)
  std::atomic<std::uint64_t> init_unique_{0};
};

}  // namespace snapfs
