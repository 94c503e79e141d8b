#include "tests/support/fs_call.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace snapfs::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kPayloadBytes = 1u << 20;
constexpr int kAnswerFd = 3;

struct Header {
  int error = 0;
  std::uint32_t length = 0;
};

// The call a child makes: returns its errno (0 on success) and may fill `payload`.
using ChildCall = std::function<int(char* payload, std::size_t* length)>;

// Children killed after their limit whose request the daemon had not answered yet: the kernel
// keeps them until it does, so they are reaped later rather than waited for.
std::mutex stragglers_mu;
std::vector<pid_t> stragglers;

void reap_stragglers() {
  std::lock_guard<std::mutex> lock(stragglers_mu);
  for (auto it = stragglers.begin(); it != stragglers.end();) {
    it = waitpid(*it, nullptr, WNOHANG) != 0 ? stragglers.erase(it) : std::next(it);
  }
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

[[noreturn]] void run_child(const ChildCall& call, int answer_fd, char* payload) {
  // Keep only the answer pipe: pipes of calls made at the same time by other threads must not
  // stay open in this child.
  if (answer_fd != kAnswerFd) dup2(answer_fd, kAnswerFd);
  syscall(SYS_close_range, kAnswerFd + 1, ~0U, 0);
  Header header;
  std::size_t length = 0;
  header.error = call(payload, &length);
  header.length = static_cast<std::uint32_t>(length);
  write_all(kAnswerFd, reinterpret_cast<const char*>(&header), sizeof header);
  write_all(kAnswerFd, payload, length);
  _exit(0);
}

// Reads the child's framed answer; false when the limit passes or the child dies first.
bool read_answer(int fd, Clock::time_point deadline, Header* header, std::string* payload,
                 Clock::time_point* answered) {
  std::string data;
  char buf[65536];
  for (;;) {
    if (data.size() >= sizeof(Header)) {
      std::memcpy(header, data.data(), sizeof(Header));
      if (data.size() >= sizeof(Header) + header->length) {
        payload->assign(data, sizeof(Header), header->length);
        return true;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return false;
    if (data.empty()) *answered = Clock::now();
    data.append(buf, static_cast<std::size_t>(n));
  }
}

FsCallResult in_child(const ChildCall& call, std::chrono::milliseconds limit) {
  reap_stragglers();
  FsCallResult result;
  result.error = kNoAnswer;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return result;
  std::unique_ptr<char[]> payload(new char[kPayloadBytes]);
  const Clock::time_point started = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    run_child(call, fds[1], payload.get());
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return result;
  }
  Header header;
  std::string answer;
  Clock::time_point answered = started;
  bool got = read_answer(fds[0], started + limit, &header, &answer, &answered);
  close(fds[0]);
  if (got) {
    result.error = header.error;
    result.value = std::move(answer);
    result.seconds = std::chrono::duration<double>(answered - started).count();
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return result;
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  kill(pid, SIGKILL);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) != 0) return result;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard<std::mutex> lock(stragglers_mu);
  stragglers.push_back(pid);
  return result;
}

int errno_of(int rc) {
  return rc == 0 ? 0 : errno;
}

// linux_dirent64 as getdents64 fills it.
struct Dirent64 {
  std::uint64_t ino;
  std::int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[1];
};

}  // namespace

FsCallResult fs_stat(const std::string& path, std::chrono::milliseconds limit) {
  return in_child(
      [&](char*, std::size_t*) {
        struct stat st {};
        return errno_of(stat(path.c_str(), &st));
      },
      limit);
}

FsCallResult fs_list(const std::string& dir, std::chrono::milliseconds limit) {
  FsCallResult r = in_child(
      [&](char* payload, std::size_t* length) {
        int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return errno;
        alignas(8) char buf[32768];
        int error = 0;
        for (;;) {
          long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
          if (n < 0) {
            error = errno;
            break;
          }
          if (n == 0) break;
          for (long off = 0; off < n;) {
            const auto* d = reinterpret_cast<const Dirent64*>(buf + off);
            off += d->reclen;
            std::size_t len = std::strlen(d->name);
            if (std::strcmp(d->name, ".") == 0 || std::strcmp(d->name, "..") == 0) continue;
            if (*length + len + 2 > kPayloadBytes) continue;
            payload[(*length)++] = d->type == DT_LNK ? 'l' : 'd';
            std::memcpy(payload + *length, d->name, len);
            *length += len;
            payload[(*length)++] = '\0';
          }
        }
        close(fd);
        return error;
      },
      limit);
  for (std::size_t pos = 0; pos < r.value.size();) {
    std::size_t end = r.value.find('\0', pos);
    if (end == std::string::npos) break;
    r.entries.push_back({r.value.substr(pos + 1, end - pos - 1), r.value[pos] == 'l'});
    pos = end + 1;
  }
  r.value.clear();
  return r;
}

FsCallResult fs_mkdir(const std::string& path, std::chrono::milliseconds limit) {
  return in_child([&](char*, std::size_t*) { return errno_of(mkdir(path.c_str(), 0755)); }, limit);
}

FsCallResult fs_rmdir(const std::string& path, std::chrono::milliseconds limit) {
  return in_child([&](char*, std::size_t*) { return errno_of(rmdir(path.c_str())); }, limit);
}

FsCallResult fs_rename(const std::string& from, const std::string& to,
                       std::chrono::milliseconds limit) {
  return in_child([&](char*, std::size_t*) { return errno_of(rename(from.c_str(), to.c_str())); },
                  limit);
}

FsCallResult fs_readlink(const std::string& path, std::chrono::milliseconds limit) {
  return in_child(
      [&](char* payload, std::size_t* length) {
        ssize_t n = readlink(path.c_str(), payload, kPayloadBytes);
        if (n < 0) return errno;
        *length = static_cast<std::size_t>(n);
        return 0;
      },
      limit);
}

FsCallResult fs_getxattr(const std::string& path, const std::string& name,
                         std::chrono::milliseconds limit) {
  return in_child(
      [&](char* payload, std::size_t* length) {
        ssize_t n = getxattr(path.c_str(), name.c_str(), payload, kPayloadBytes);
        if (n < 0) return errno;
        *length = static_cast<std::size_t>(n);
        return 0;
      },
      limit);
}

FsCallResult fs_setxattr(const std::string& path, const std::string& name, const std::string& value,
                         std::chrono::milliseconds limit) {
  return in_child(
      [&](char*, std::size_t*) {
        return errno_of(setxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0));
      },
      limit);
}

std::string errno_name(int error) {
  if (error == 0) return "ok";
  if (error == kNoAnswer) return "no answer";
  if (error == ENOTSUP) return "ENOTSUP";  // the same value as EOPNOTSUPP on Linux
  const char* name = strerrorname_np(error);
  return name != nullptr ? name : "errno " + std::to_string(error);
}

}  // namespace snapfs::test
