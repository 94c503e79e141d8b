#include "fs/device_io.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <unistd.h>

#include "fs/fuse_uring.h"
#include "fs/passthrough.h"

namespace snapfs {
namespace {

thread_local std::uint64_t t_request = 0;

}  // namespace

DeviceIo::DeviceIo(fuse_session* session, FuseUring* uring, Passthrough* passthrough)
    : session_(session),
      device_(fuse_session_fd(session)),
      uring_(uring),
      passthrough_(passthrough) {}

bool DeviceIo::install() {
  fuse_custom_io io{};
  io.read = &DeviceIo::read_hook;
  io.writev = &DeviceIo::writev_hook;
  // Without a splice hook libfuse never splices an answer into the device (reads of snapshot
  // files answer from a pipe, fs/content/read_data.h). Only answers that leave through the
  // device are spliced: the adapter reads into memory for a request that came over a ring.
  io.splice_send = &DeviceIo::splice_hook;
  // libfuse passes the session's userdata to the hooks, and snapfs's operations need theirs; the
  // hooks find this object through a static instead (one session per process).
  instance() = this;
  return fuse_session_custom_io(session_, &io, device_) == 0;
}

DeviceIo*& DeviceIo::instance() {
  static DeviceIo* current = nullptr;
  return current;
}

std::uint64_t DeviceIo::current_request() {
  return t_request;
}

void DeviceIo::note_request(std::uint64_t unique) {
  t_request = unique;
}

ssize_t DeviceIo::read_hook(int fd, void* buf, size_t len, void*) {
  const ssize_t r = ::read(fd, buf, len);
  if (r >= static_cast<ssize_t>(sizeof(fuse_in_header))) {
    // libfuse runs the request on the thread that read it.
    const auto* in = static_cast<const fuse_in_header*>(buf);
    t_request = in->unique;
    if (in->opcode == FUSE_INIT) instance()->inspect_init(buf, static_cast<std::size_t>(r));
  }
  return r;
}

void DeviceIo::inspect_init(const void* buf, std::size_t len) {
  if (len < sizeof(fuse_in_header) + sizeof(fuse_init_in)) return;
  const auto* in = static_cast<const fuse_in_header*>(buf);
  const auto* init = reinterpret_cast<const fuse_init_in*>(in + 1);
  const std::uint64_t flags =
      init->flags |
      ((init->flags & FUSE_INIT_EXT) != 0 ? static_cast<std::uint64_t>(init->flags2) << 32 : 0);
  offered_ = flags;
  init_unique_ = in->unique;
}

ssize_t DeviceIo::writev_hook(int fd, struct iovec* iov, int count, void*) {
  DeviceIo* self = instance();
  const auto* out = static_cast<const fuse_out_header*>(iov[0].iov_base);
  // Before the answer leaves, whichever way it leaves.
  if (self->passthrough_ != nullptr) self->passthrough_->change_open_reply(iov, count);
  ssize_t sent = 0;
  if (self->uring_ != nullptr && self->uring_->take_answer(iov, count, &sent)) return sent;
  const bool init = out->unique != 0 && out->unique == self->init_unique_.load();
  if (init) self->change_init_reply(iov, count);
  const ssize_t r = ::writev(fd, iov, count);
  if (init && r >= 0) {
    if (self->uring_ != nullptr) self->uring_->init_answered();
    if (self->passthrough_ != nullptr) self->passthrough_->init_answered();
  }
  return r;
}

ssize_t DeviceIo::splice_hook(int in, off_t* in_offset, int out, off_t* out_offset, size_t len,
                              unsigned int flags, void*) {
  return ::splice(in, in_offset, out, out_offset, len, flags);
}

void DeviceIo::change_init_reply(struct iovec* iov, int count) {
  const auto* out = static_cast<const fuse_out_header*>(iov[0].iov_base);
  if (out->error != 0 || count < 2 || iov[1].iov_len < sizeof(fuse_init_out)) return;
  auto* init = static_cast<fuse_init_out*>(iov[1].iov_base);
  // Flags above bit 31 go in flags2, which the kernel reads only with FUSE_INIT_EXT.
  if ((init->flags & FUSE_INIT_EXT) == 0) return;
  if (uring_ != nullptr) uring_->accept_init_reply(offered_.load(), init);
  if (passthrough_ != nullptr) passthrough_->accept_init_reply(offered_.load(), init);
}

}  // namespace snapfs
