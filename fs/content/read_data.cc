#include "fs/content/read_data.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

namespace snapfs::content {

ReadPipe::~ReadPipe() {
  reset();
}

ReadPipe::ReadPipe(ReadPipe&& other) noexcept
    : read_end_(std::exchange(other.read_end_, -1)),
      write_end_(std::exchange(other.write_end_, -1)) {}

ReadPipe& ReadPipe::operator=(ReadPipe&& other) noexcept {
  if (this != &other) {
    reset();
    read_end_ = std::exchange(other.read_end_, -1);
    write_end_ = std::exchange(other.write_end_, -1);
  }
  return *this;
}

void ReadPipe::reset() {
  if (read_end_ >= 0) close(read_end_);
  if (write_end_ >= 0) close(write_end_);
  read_end_ = write_end_ = -1;
}

ReadPipe ReadPipe::make(std::size_t size) {
  ReadPipe pipe;
  int ends[2];
  // Non-blocking: a pipe that turned out too small fails the fill instead of waiting for a
  // reader that is the same thread.
  if (pipe2(ends, O_CLOEXEC | O_NONBLOCK) != 0) return pipe;
  pipe.read_end_ = ends[0];
  pipe.write_end_ = ends[1];
  // A pipe holds a page (or a part of one) per slot: a read that starts inside a page spans one
  // more page than its size says. The kernel rounds the size up to a power of two pages.
  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t room = size + 2 * static_cast<std::size_t>(page);
  const int current = fcntl(pipe.read_end_, F_GETPIPE_SZ);
  if (current < 0 || (static_cast<std::size_t>(current) < room &&
                      fcntl(pipe.read_end_, F_SETPIPE_SZ, static_cast<int>(room)) < 0)) {
    pipe.reset();
  }
  return pipe;
}

std::size_t ReadPipe::largest_read() {
  constexpr int kLargestRead = 1 << 20;  // libfuse's: 256 pages
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  ReadPipe probe = make(2 * kLargestRead);
  if (probe.valid()) return 0;
  std::size_t limit = 0;
  if (FILE* f = fopen("/proc/sys/fs/pipe-max-size", "re")) {
    unsigned long value = 0;
    if (fscanf(f, "%lu", &value) == 1) limit = value;
    fclose(f);
  }
  // libfuse's pipe holds the header in a page of its own and keeps a page spare for each buffer;
  // this pipe needs two pages for a read that starts and ends inside a page.
  return limit > 4 * page ? (limit - 4 * page) / page * page : 0;
}

int ReadPipe::fill(int fd, off_t offset, std::size_t size, std::size_t* got) {
  *got = 0;
  loff_t at = offset;
  while (*got < size) {
    // SPLICE_F_MOVE is only a hint here (page-cache pages stay where they are); the pipe gets
    // references to them, not copies.
    ssize_t n = splice(fd, &at, write_end_, nullptr, size - *got, SPLICE_F_MOVE);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    *got += static_cast<std::size_t>(n);
  }
  return 0;
}

namespace {

std::shared_ptr<ReadBuffer> new_read_buffer(std::size_t size) {
  auto buffer = std::make_shared<ReadBuffer>();
  // Not zeroed: every byte handed on is one pread wrote.
  buffer->data = std::make_unique_for_overwrite<char[]>(size);
  buffer->capacity = size;
  return buffer;
}

int read_into_memory(int fd, off_t offset, std::size_t size, ReadData* out) {
  if (out->buffer == nullptr || out->buffer->capacity < size) out->buffer = new_read_buffer(size);
  char* data = out->buffer->data.get();
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = pread(fd, data + got, size - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out->size = got;
  return 0;
}

}  // namespace

std::shared_ptr<ReadBuffer> thread_read_buffer(std::size_t size) {
  thread_local std::shared_ptr<ReadBuffer> last;
  if (last == nullptr || last.use_count() > 1 || last->capacity < size) {
    last = new_read_buffer(size);
  }
  return last;
}

int read_backing(int fd, off_t offset, std::size_t size, bool into_pipe, ReadData* out) {
  out->size = 0;
  if (into_pipe && size > 0) {
    ReadPipe pipe = ReadPipe::make(size);
    if (pipe.valid()) {
      std::size_t got = 0;
      int rc = pipe.fill(fd, offset, size, &got);
      if (rc == 0) {
        out->pipe = std::move(pipe);
        out->buffer.reset();
        out->size = got;
        return 0;
      }
      // EINVAL: this file system cannot splice; EAGAIN: the pipe was too small after all. The
      // same read into memory either answers or fails with the file's own error.
    }
  }
  return read_into_memory(fd, offset, size, out);
}

}  // namespace snapfs::content
