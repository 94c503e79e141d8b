// Reading a backing file into a pipe (splice) or into memory: the same bytes either way, at any
// offset, short only at the end of the file.
#include "fs/content/read_data.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

#include "tests/unit/read_bytes.h"

namespace snapfs::content {

namespace {

using test::bytes_of;

class ReadDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/snapfs-read-XXXXXX";
    fd_ = mkstemp(tmpl);
    ASSERT_GE(fd_, 0);
    path_ = tmpl;
    std::mt19937 rng(7);
    content_.resize(3 * 1024 * 1024 + 1234);
    for (char& c : content_) c = static_cast<char>(rng());
    ASSERT_EQ(pwrite(fd_, content_.data(), content_.size(), 0),
              static_cast<ssize_t>(content_.size()));
  }
  void TearDown() override {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd_ = -1;
  std::string path_;
  std::string content_;
};

TEST_F(ReadDataTest, APipeAndMemoryHoldTheSameBytesAtAnyOffset) {
  // The largest: what the mount's reads may be (pipes are bounded without CAP_SYS_RESOURCE).
  const std::size_t largest = ReadPipe::largest_read() == 0 ? 1 << 20 : ReadPipe::largest_read();
  const std::size_t sizes[] = {1, 4096, 100'000, largest};
  const off_t offsets[] = {0, 1, 4095, 4096, 1'000'003};
  for (bool into_pipe : {true, false}) {
    for (std::size_t size : sizes) {
      for (off_t offset : offsets) {
        ReadData data;
        ASSERT_EQ(read_backing(fd_, offset, size, into_pipe, &data), 0);
        EXPECT_EQ(data.pipe.valid(), into_pipe) << size << " at " << offset;
        EXPECT_EQ(data.size, size);
        EXPECT_EQ(bytes_of(&data), content_.substr(static_cast<std::size_t>(offset), size))
            << (into_pipe ? "pipe " : "memory ") << size << " at " << offset;
      }
    }
  }
}

TEST_F(ReadDataTest, ShortOnlyAtTheEndOfTheFile) {
  for (bool into_pipe : {true, false}) {
    ReadData tail;
    const off_t near_end = static_cast<off_t>(content_.size()) - 10;
    ASSERT_EQ(read_backing(fd_, near_end, 1 << 20, into_pipe, &tail), 0);
    EXPECT_EQ(tail.size, 10u);
    EXPECT_EQ(bytes_of(&tail), content_.substr(content_.size() - 10));
    ReadData past;
    ASSERT_EQ(read_backing(fd_, static_cast<off_t>(content_.size()) + 5, 4096, into_pipe, &past),
              0);
    EXPECT_EQ(past.size, 0u);
  }
}

TEST_F(ReadDataTest, AThreadReusesItsBufferUnlessAnAbandonedReadStillHoldsIt) {
  const ReadBuffer* first = nullptr;
  {
    ReadData data;
    data.buffer = thread_read_buffer(4096);
    first = data.buffer.get();
    ASSERT_EQ(read_backing(fd_, 10, 4096, false, &data), 0);
    EXPECT_EQ(data.buffer.get(), first);  // read into the buffer it was given
    EXPECT_EQ(bytes_of(&data), content_.substr(10, 4096));
  }
  EXPECT_EQ(thread_read_buffer(100).get(), first);              // smaller: the same
  std::shared_ptr<ReadBuffer> held = thread_read_buffer(4096);  // as an abandoned read would
  EXPECT_NE(thread_read_buffer(4096).get(), held.get());
  EXPECT_GE(thread_read_buffer(1 << 20)->capacity, std::size_t{1} << 20);
}

TEST_F(ReadDataTest, AFileThatCannotBeSplicedIsReadIntoMemory) {
  // A directory's descriptor: splice refuses it (EINVAL) and so does pread (EISDIR): the
  // answer is the file's own error, not the pipe's.
  int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
  ASSERT_GE(dir, 0);
  ReadData data;
  EXPECT_EQ(read_backing(dir, 0, 4096, true, &data), EISDIR);
  EXPECT_FALSE(data.pipe.valid());
  close(dir);
}

}  // namespace
}  // namespace snapfs::content
