#include "fs/fuse_uring.h"

#include <linux/fuse.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fs/device_io.h"
#include "providers/common/log.h"
#include "providers/common/wait_notice.h"

namespace snapfs {
namespace {

// The transport's kernel ABI (include/uapi/linux/fuse.h, protocol 7.42), which the system's
// headers may predate.
constexpr std::uint64_t kOverIoUring = 1ULL << 41;  // FUSE_OVER_IO_URING, an INIT flag
constexpr std::uint32_t kCmdRegister = 1;           // FUSE_IO_URING_CMD_REGISTER
constexpr std::uint32_t kCmdCommitAndFetch = 2;     // FUSE_IO_URING_CMD_COMMIT_AND_FETCH
constexpr std::size_t kHeaderArea = 128;            // FUSE_URING_IN_OUT_HEADER_SZ
constexpr std::size_t kOpArea = 128;                // FUSE_URING_OP_IN_OUT_SZ
constexpr std::size_t kMinPayload = 8192;           // FUSE_MIN_READ_BUFFER

struct RingEntryInOut {  // struct fuse_uring_ent_in_out
  std::uint64_t flags;
  std::uint64_t commit_id;
  std::uint32_t payload_sz;
  std::uint32_t padding;
  std::uint64_t reserved;
};

struct RingHeader {  // struct fuse_uring_req_header
  char in_out[kHeaderArea];
  char op_in[kOpArea];
  RingEntryInOut entry;
};

struct RingCommand {  // struct fuse_uring_cmd_req, in the SQE's command area
  std::uint64_t flags;
  std::uint64_t commit_id;
  std::uint16_t qid;
  std::uint8_t padding[6];
};

static_assert(sizeof(RingHeader) == 288, "fuse_uring_req_header is 288 bytes");
static_assert(sizeof(RingCommand) == 24, "fuse_uring_cmd_req is 24 bytes");

// Requests in flight per CPU: each holds its entry until answered, also while it waits on the
// network.
constexpr unsigned kQueueDepth = 8;
constexpr std::uint64_t kStopTag = 0;  // user_data of the stop eventfd's poll

}  // namespace

struct FuseUring::Entry {
  Queue* queue = nullptr;
  RingHeader* header = nullptr;
  char* payload = nullptr;
  std::size_t payload_size = 0;
  std::uint64_t commit_id = 0;
  std::uint64_t unique = 0;
  struct iovec iov[2] = {};
};

struct FuseUring::Queue {
  std::uint16_t qid = 0;
  io_uring ring{};
  bool ring_made = false;
  bool registered = false;
  std::mutex submit_mu;  // liburing's submission side is not thread-safe
  // An answer is in the submission queue for the ring's reader to submit with its next wait
  // (one system call for both). Guarded by submit_mu.
  bool answer_queued = false;
  std::vector<Entry> entries;
  void* memory = nullptr;
  std::size_t memory_size = 0;

  Queue() = default;
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  // Closing the ring cancels its registered entries.
  ~Queue() {
    if (ring_made) io_uring_queue_exit(&ring);
    if (memory != nullptr) munmap(memory, memory_size);
  }
};

namespace {

// The entry whose request this thread is answering: libfuse answers on the thread that runs the
// operation, so a reply with this entry's unique goes to the ring.
thread_local FuseUring::Entry* t_answering = nullptr;
// The request, laid out as /dev/fuse would deliver it.
thread_local std::vector<char> t_request;
// The ring whose request this thread took from its completion queue and is answering.
thread_local FuseUring::Queue* t_serving = nullptr;

// Makes the submission queue's new entries visible to the kernel without entering it, and tells
// how many it has not consumed yet. Under the queue's submit_mu. This is the one place snapfs
// writes liburing's own fields (sq.sqe_head, *sq.ktail), the same two stores liburing 2.3's
// io_uring_submit() makes before its system call, because no public call of liburing 2.3 (nor
// any later one) publishes entries without also entering the kernel, and libfuse 3.14, which
// predates FUSE over io_uring, has no ring of its own to hand this to. A ring's reader must
// submit its queued answer and wait for the next request in one system call, without holding
// submit_mu while it waits: io_uring_submit_and_wait() under the mutex would keep the answers of
// requests that waited on the API (made on other threads) from being submitted, and only those
// answers give the kernel back the entries the next request needs, so the wait could never end;
// io_uring_submit() then io_uring_wait_cqe() would cost a second system call per request, the
// one queuing the answer exists to save; and calling liburing outside the mutex would race with
// a thread filling an entry it took with io_uring_get_sqe(). Every other submission goes through
// io_uring_submit(). IORING_SETUP_SQPOLL, which would change these stores, is never set.
unsigned publish_submissions(io_uring* ring) {
  io_uring_sq* sq = &ring->sq;
  if (sq->sqe_head != sq->sqe_tail) {
    sq->sqe_head = sq->sqe_tail;
    io_uring_smp_store_release(sq->ktail, sq->sqe_tail);
  }
  return io_uring_sq_ready(ring);
}

int enter_result(int rc) {
  // liburing's wrapper gives -errno; the raw system call, -1 and errno.
  return rc == -1 ? -errno : rc;
}

// Submits what the queue holds, under its submit_mu; -errno on failure.
int submit(io_uring* ring) {
  return enter_result(io_uring_submit(ring));
}

}  // namespace

FuseUring::FuseUring(fuse_session* session, bool wanted)
    : session_(session), device_(fuse_session_fd(session)), wanted_(wanted) {}

FuseUring::~FuseUring() = default;

bool FuseUring::take_answer(struct iovec* iov, int count, ssize_t* sent) {
  const auto* out = static_cast<const fuse_out_header*>(iov[0].iov_base);
  Entry* entry = t_answering;
  if (entry == nullptr || out->unique == 0 || out->unique != entry->unique) return false;
  t_answering = nullptr;
  *sent = commit(entry, iov, count);
  return true;
}

bool FuseUring::answering_over_ring() {
  return t_answering != nullptr;
}

void FuseUring::init_answered() {
  if (payload_size_ != 0) setup_due_ = true;
}

// Accepts the transport in libfuse's INIT answer when the kernel offered it, and learns from
// that answer how large a request's payload may be.
void FuseUring::accept_init_reply(std::uint64_t offered, fuse_init_out* init) {
  if (!wanted_ || (offered & kOverIoUring) == 0) return;
  init->flags2 |= static_cast<std::uint32_t>(kOverIoUring >> 32);
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::size_t payload = std::max<std::size_t>(kMinPayload, init->max_write);
  payload = std::max<std::size_t>(payload, static_cast<std::size_t>(init->max_pages) * page);
  payload_size_ = (payload + page - 1) / page * page;
}

int FuseUring::cpu_of(std::size_t q) const {
  return queues_[q]->qid;
}

bool FuseUring::set_up(int stop_fd) {
  setup_due_ = false;
  stop_fd_ = stop_fd;
  // The kernel keeps one queue per possible CPU and uses the rings only once every queue has
  // registered an entry.
  const int cpus = get_nprocs_conf();
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t header_size = (sizeof(RingHeader) + page - 1) / page * page;
  std::vector<std::unique_ptr<Queue>> made;
  for (int cpu = 0; cpu < cpus; ++cpu) {
    auto queue = std::make_unique<Queue>();
    queue->qid = static_cast<std::uint16_t>(cpu);
    io_uring_params params{};
    params.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE;
    params.cq_entries = 2 * (kQueueDepth + 1);
    if (int rc = io_uring_queue_init_params(kQueueDepth + 1, &queue->ring, &params); rc < 0) {
      log_warning("FUSE over io_uring not used: io_uring_setup: " + std::string(strerror(-rc)));
      return false;
    }
    queue->ring_made = true;
    // Payload pages are touched only as far as requests and answers reach: most stay unbacked.
    queue->memory_size = kQueueDepth * (header_size + payload_size_);
    queue->memory = mmap(nullptr, queue->memory_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (queue->memory == MAP_FAILED) {
      queue->memory = nullptr;
      log_warning("FUSE over io_uring not used: no memory for its buffers");
      return false;
    }
    queue->entries.resize(kQueueDepth);
    char* at = static_cast<char*>(queue->memory);
    for (Entry& entry : queue->entries) {
      entry.queue = queue.get();
      entry.header = reinterpret_cast<RingHeader*>(at);
      entry.payload = at + header_size;
      entry.payload_size = payload_size_;
      entry.iov[0] = {entry.header, sizeof(RingHeader)};
      entry.iov[1] = {entry.payload, payload_size_};
      at += header_size + payload_size_;
    }
    made.push_back(std::move(queue));
  }
  queues_ = std::move(made);
  return true;
}

namespace {

void prepare_command(io_uring_sqe* sqe, int device, std::uint32_t command, FuseUring::Entry* entry,
                     std::uint16_t qid, std::uint64_t commit_id) {
  std::memset(sqe, 0, 2 * sizeof(io_uring_sqe));  // SQE128: the command area is the second half
  sqe->opcode = IORING_OP_URING_CMD;
  sqe->fd = device;
  sqe->cmd_op = command;
  sqe->user_data = reinterpret_cast<std::uint64_t>(entry);
  if (command == kCmdRegister) {
    sqe->addr = reinterpret_cast<std::uint64_t>(entry->iov);
    sqe->len = 2;
  }
  auto* request = reinterpret_cast<RingCommand*>(sqe->cmd);
  request->qid = qid;
  request->commit_id = commit_id;
}

}  // namespace

// Registered by the thread that serves the ring: the kernel delivers a ring's requests through
// the thread that submitted its entries.
bool FuseUring::register_entries(Queue* queue) {
  std::lock_guard<std::mutex> lock(queue->submit_mu);
  for (Entry& entry : queue->entries) {
    io_uring_sqe* sqe = io_uring_get_sqe(&queue->ring);
    if (sqe == nullptr) return false;
    prepare_command(sqe, device_, kCmdRegister, &entry, queue->qid, 0);
  }
  io_uring_sqe* sqe = io_uring_get_sqe(&queue->ring);
  if (sqe == nullptr) return false;
  io_uring_prep_poll_add(sqe, stop_fd_, POLLIN);
  sqe->user_data = kStopTag;
  const int rc = submit(&queue->ring);
  queue->registered = true;
  return rc >= 0;
}

FuseUring::Served FuseUring::serve_one(std::size_t q) {
  Queue& queue = *queues_[q];
  if (!queue.registered && !register_entries(&queue)) {
    log_error("FUSE over io_uring: registering queue " + std::to_string(q) + " failed");
    return Served::Error;
  }
  // The last answer, when this thread left it queued, goes in with the wait for the next request.
  unsigned queued = 0;
  {
    std::lock_guard<std::mutex> lock(queue.submit_mu);
    if (queue.answer_queued) queued = publish_submissions(&queue.ring);
    queue.answer_queued = false;
  }
  if (queued > 0) {
    // Returns early, without waiting, if another thread's submission took these entries first.
    const int rc = enter_result(
        io_uring_enter(queue.ring.ring_fd, queued, 1, IORING_ENTER_GETEVENTS, nullptr));
    if (rc == -EINTR) {
      std::lock_guard<std::mutex> lock(queue.submit_mu);
      queue.answer_queued = true;  // nothing submitted: the next look submits it
      return Served::Nothing;
    }
    if (rc < 0) return Served::Error;
  }
  io_uring_cqe* cqe = nullptr;
  const int rc = io_uring_wait_cqe(&queue.ring, &cqe);
  if (rc == -EINTR) return Served::Nothing;
  if (rc < 0) return Served::Error;
  const std::uint64_t data = cqe->user_data;
  const int res = cqe->res;
  io_uring_cqe_seen(&queue.ring, cqe);
  if (data == kStopTag) return Served::Stop;
  if (res == -ENOTCONN || res == -ENODEV) return Served::Gone;
  if (res < 0) {
    // The kernel refused this entry's command (a registration, usually): the entry is out of
    // use, and the ring's others go on. Until every CPU's ring has an entry, the kernel keeps
    // sending requests over /dev/fuse.
    log_error("FUSE over io_uring: ring " + std::to_string(q) +
              " refused an entry: " + strerror(-res));
    return Served::Nothing;
  }
  auto* entry = reinterpret_cast<Entry*>(data);
  // Until this returns, this thread answers the ring's request (commit() queues the answer).
  struct Serving {
    explicit Serving(Queue* queue) { t_serving = queue; }
    ~Serving() { t_serving = nullptr; }
  } serving(&queue);
  const auto* in = reinterpret_cast<const fuse_in_header*>(entry->header->in_out);
  const std::size_t payload_len = entry->header->entry.payload_sz;
  entry->commit_id = entry->header->entry.commit_id;
  entry->unique = in->unique;
  DeviceIo::note_request(in->unique);
  // The kernel puts the operation's fixed header in op_in and the rest in the payload; the
  // request's length tells the header's size.
  const std::size_t total = in->len;
  if (total < sizeof(fuse_in_header) + payload_len ||
      total - sizeof(fuse_in_header) - payload_len > kOpArea || payload_len > entry->payload_size) {
    // Answered all the same: an unanswered request would hold its caller forever.
    log_error("FUSE over io_uring: malformed request, opcode " + std::to_string(in->opcode));
    answer_error(entry, EIO);
    return Served::Nothing;
  }
  const std::size_t op_len = total - sizeof(fuse_in_header) - payload_len;
  t_request.resize(total);
  std::memcpy(t_request.data(), in, sizeof(fuse_in_header));
  std::memcpy(t_request.data() + sizeof(fuse_in_header), entry->header->op_in, op_len);
  std::memcpy(t_request.data() + sizeof(fuse_in_header) + op_len, entry->payload, payload_len);
  fuse_buf buf{};
  buf.mem = t_request.data();
  buf.size = total;
  t_answering = entry;
  fuse_session_process_buf(session_, &buf);
  if (t_answering == entry) {
    // libfuse sent no answer (it does not for a few opcodes): give the entry back all the same.
    t_answering = nullptr;
    answer_error(entry, EIO);
  }
  // Logged at the first request a ring carries: the kernel switches over once every CPU's ring
  // has registered, and not at all if it refused them.
  if (requests_.fetch_add(1) == 0) {
    log_info("FUSE requests over io_uring: " + std::to_string(queues_.size()) + " rings of " +
             std::to_string(kQueueDepth));
  }
  return Served::Request;
}

void FuseUring::answer_error(Entry* entry, int error) {
  fuse_out_header out{};
  out.unique = entry->unique;
  out.error = -error;
  struct iovec iov = {&out, sizeof out};
  commit(entry, &iov, 1);
}

ssize_t FuseUring::commit(Entry* entry, const struct iovec* iov, int count) {
  fuse_out_header out = *static_cast<const fuse_out_header*>(iov[0].iov_base);
  std::size_t total = iov[0].iov_len;
  std::size_t len = 0;
  for (int i = 1; i < count; ++i) {
    total += iov[i].iov_len;
    if (len + iov[i].iov_len > entry->payload_size) {
      out.error = -EIO;
      len = 0;
      break;
    }
    std::memcpy(entry->payload + len, iov[i].iov_base, iov[i].iov_len);
    len += iov[i].iov_len;
  }
  out.len = static_cast<std::uint32_t>(sizeof out + len);
  std::memcpy(entry->header->in_out, &out, sizeof out);
  entry->header->entry.payload_sz = static_cast<std::uint32_t>(len);
  Queue* queue = entry->queue;
  std::lock_guard<std::mutex> lock(queue->submit_mu);
  io_uring_sqe* sqe = io_uring_get_sqe(&queue->ring);
  if (sqe == nullptr) {
    errno = EIO;
    return -1;
  }
  prepare_command(sqe, device_, kCmdCommitAndFetch, entry, queue->qid, entry->commit_id);
  // The ring's reader, still its reader (no wait handed the ring over), goes straight back to
  // waiting for the next request: the answer is submitted by that same system call.
  if (t_serving == queue && WaitNotice::armed()) {
    queue->answer_queued = true;
    return static_cast<ssize_t>(total);
  }
  // Under the mutex: io_uring_submit() does not wait, and only it may publish what
  // io_uring_get_sqe() handed out.
  if (int rc = submit(&queue->ring); rc < 0) {
    errno = -rc;
    return -1;
  }
  return static_cast<ssize_t>(total);
}

}  // namespace snapfs
