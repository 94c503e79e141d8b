// The bytes a read of a snapshot file answers with. Read into memory, they cross three copies
// before the reader sees them (backing page cache to snapfs, snapfs to the FUSE device, the FUSE
// mount's page cache to the reader); spliced into a pipe, the pipe holds references to the
// backing file's page-cache pages and libfuse splices them on into the device: one copy less on
// each side of snapfs, and no buffer to allocate. A pipe needs the reply to leave through the
// device itself (not an io_uring ring) and room for the read (F_SETPIPE_SZ above
// /proc/sys/fs/pipe-max-size needs CAP_SYS_RESOURCE): otherwise the read goes to memory.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>

namespace snapfs::content {

// One read's pipe, owned by that read: filled on a backing-pool thread, drained by libfuse.
class ReadPipe {
 public:
  ReadPipe() = default;
  ~ReadPipe();
  ReadPipe(ReadPipe&& other) noexcept;
  ReadPipe& operator=(ReadPipe&& other) noexcept;
  ReadPipe(const ReadPipe&) = delete;
  ReadPipe& operator=(const ReadPipe&) = delete;

  // A pipe with room for `size` bytes of a file's pages at any offset; invalid when the system
  // refuses one that large (the caller reads into memory instead).
  static ReadPipe make(std::size_t size);
  bool valid() const { return read_end_ >= 0; }
  int read_end() const { return read_end_; }
  void reset();

  // The largest read (a multiple of the page size) whose answer fits in one pipe, this one's and
  // libfuse's (which also holds the answer's header): 0 when pipes may be as large as a read
  // can be (CAP_SYS_RESOURCE), else bounded by /proc/sys/fs/pipe-max-size.
  static std::size_t largest_read();

  // Moves up to `size` bytes of `fd` at `offset` into the pipe (fewer only at the end of the
  // file); `*got` says how many. 0, or an errno value: EINVAL when the file cannot be spliced.
  int fill(int fd, off_t offset, std::size_t size, std::size_t* got);

 private:
  int read_end_ = -1;
  int write_end_ = -1;
};

// Memory for a read's bytes.
struct ReadBuffer {
  std::unique_ptr<char[]> data;
  std::size_t capacity = 0;
};

// A buffer of at least `size` bytes for the calling thread's reads, the one it used for its last
// read: a fresh megabyte costs its page faults and zeroed pages, about a fifth of the daemon's
// time in a read over io_uring. A new one when a read that gave up at its deadline still holds the
// last (its backing call may still write into it). Each thread that serves reads keeps one, as
// large as its largest read (at most max_read).
std::shared_ptr<ReadBuffer> thread_read_buffer(std::size_t size);

struct ReadData {
  std::size_t size = 0;                // bytes read; fewer than asked only at the end of the file
  std::shared_ptr<ReadBuffer> buffer;  // the bytes, when read into memory
  ReadPipe pipe;                       // or the pipe holding them
  const char* bytes() const { return buffer != nullptr ? buffer->data.get() : nullptr; }
};

// Reads `size` bytes of `fd` at `offset` (fewer only at the end of the file) into a pipe when
// `into_pipe` and the pipe can be had, else into memory: `out->buffer` when it is large enough,
// else a buffer of its own. 0 or an errno value.
int read_backing(int fd, off_t offset, std::size_t size, bool into_pipe, ReadData* out);

}  // namespace snapfs::content
