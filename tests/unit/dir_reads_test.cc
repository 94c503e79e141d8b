// DirReads: how readdir without a directory handle keeps one copy of a listing per read, so
// that the pages of one `ls` come from the same listing.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "fs/fuse_adapter.h"

namespace snapfs {
namespace {

DirReads::CopyPtr Copy(std::uint64_t ino, const std::string& first_name) {
  auto copy = std::make_shared<DirReads::Copy>();
  copy->ino = ino;
  DirEntryReply entry;
  entry.name = first_name;
  copy->entries.push_back(entry);
  return copy;
}

TEST(DirReadsTest, LaterPagesContinueInTheCopyTheFirstPageTook) {
  DirReads reads;
  EXPECT_EQ(reads.continued(7, 5), nullptr) << "nothing started yet";
  auto copy = Copy(7, "daily");
  reads.started(copy);
  EXPECT_EQ(reads.continued(7, 5), copy);
  EXPECT_EQ(reads.continued(7, 0), nullptr) << "offset 0 starts a new read of the listing";
  EXPECT_EQ(reads.continued(8, 5), nullptr) << "copies are per directory";

  // A second reader of the same directory starts over: later pages follow the newer copy.
  auto newer = Copy(7, "weekly");
  reads.started(newer);
  EXPECT_EQ(reads.continued(7, 5), newer);

  reads.finished(7);
  EXPECT_EQ(reads.continued(7, 5), nullptr) << "the end was read: the copy is gone";
}

TEST(DirReadsTest, ReadersThatStopHalfwayLeaveABoundedNumberOfCopies) {
  DirReads reads;
  for (std::uint64_t ino = 1; ino <= 1000; ++ino) reads.started(Copy(ino, "n"));
  int kept = 0;
  for (std::uint64_t ino = 1; ino <= 1000; ++ino) kept += reads.continued(ino, 3) != nullptr;
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 64);
  EXPECT_NE(reads.continued(1000, 3), nullptr) << "the latest read is always kept";
}

}  // namespace
}  // namespace snapfs
