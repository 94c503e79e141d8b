// DirReads: how readdir without a directory handle keeps one copy of a listing per reader, so
// that the pages of one `ls` come from the same listing.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fs/fuse_adapter.h"

namespace snapfs {
namespace {

std::shared_ptr<DirReads::Copy> Copy(std::uint64_t ino, const std::string& first_name) {
  auto copy = std::make_shared<DirReads::Copy>();
  copy->ino = ino;
  DirEntryReply entry;
  entry.name = first_name;
  copy->entries.push_back(entry);
  return copy;
}

// The offset the kernel hands back to continue a reader after `index` entries.
off_t After(const DirReads::CopyPtr& copy, std::uint64_t index) {
  return DirReads::offset_of(copy->generation, index);
}

TEST(DirReadsTest, LaterPagesContinueInTheCopyTheFirstPageTook) {
  DirReads reads;
  EXPECT_EQ(reads.continued(7, 5), nullptr) << "nothing started yet";
  auto copy = reads.started(Copy(7, "daily"));
  EXPECT_EQ(reads.continued(7, After(copy, 5)), copy);
  EXPECT_EQ(DirReads::index_of(After(copy, 5)), 5u);
  EXPECT_EQ(reads.continued(7, 0), nullptr) << "offset 0 starts a new read of the listing";
  EXPECT_EQ(reads.continued(8, After(copy, 5)), nullptr) << "copies are per directory";

  reads.finished(*copy);
  EXPECT_EQ(reads.continued(7, After(copy, 5)), nullptr) << "the end was read: the copy is gone";
}

// Two readers of one directory, the listing changing between their first pages: each goes on
// in the copy its own first page took, so neither skips nor repeats a name.
TEST(DirReadsTest, TwoReadersOfOneDirectoryEachKeepTheirOwnCopy) {
  DirReads reads;
  auto first = reads.started(Copy(7, "daily"));
  auto second = reads.started(Copy(7, "weekly"));
  EXPECT_NE(After(first, 3), After(second, 3)) << "the offsets tell the readers apart";
  EXPECT_EQ(reads.continued(7, After(first, 3)), first);
  EXPECT_EQ(reads.continued(7, After(second, 3)), second);

  // The second reader reaching the end leaves the first one's copy in place.
  reads.finished(*second);
  EXPECT_EQ(reads.continued(7, After(first, 3)), first);
  EXPECT_EQ(reads.continued(7, After(second, 3)), nullptr);
}

TEST(DirReadsTest, OffsetsStayPositive) {
  DirReads reads;
  DirReads::CopyPtr copy;
  for (int i = 0; i < 3; ++i) copy = reads.started(Copy(1, "n"));
  const off_t offset = DirReads::offset_of(copy->generation, 0xffffffffu, 0xffff);
  EXPECT_GT(offset, 0);
  EXPECT_EQ(DirReads::index_of(offset), 0xffffffffu);
  EXPECT_EQ(DirReads::mark_of(offset), 0xffff);
  EXPECT_EQ(DirReads::generation_of(offset), copy->generation);
  EXPECT_GT(DirReads::offset_of((1u << 15) - 1, 0xffffffffu, 0xffff), 0) << "the largest offset";
  EXPECT_EQ(DirReads::offset_of(0, 9), 9) << "reads through a handle: plain indexes";
}

std::shared_ptr<DirReads::Copy> Names(std::uint64_t ino, const std::vector<std::string>& names) {
  auto copy = std::make_shared<DirReads::Copy>();
  copy->ino = ino;
  for (const std::string& name : names) {
    DirEntryReply entry;
    entry.name = name;
    copy->entries.push_back(entry);
  }
  return copy;
}

// The offset the kernel hands back after a reader read `name` at entry `position` (listing
// indexes count "." and ".." first).
off_t AfterName(std::uint32_t generation, std::uint64_t position, const std::string& name) {
  return DirReads::offset_of(generation, position + 3, DirReads::mark_of_name(name));
}

// A reader whose copy is gone (it read the kernel's cached copy of a listing snapfs no longer
// keeps) goes on after the name it read last, wherever the change moved that name.
TEST(DirReadsTest, AReaderWhoseCopyIsGoneGoesOnAfterItsLastName) {
  auto fresh = Names(7, {"b", "c", "d", "e"});  // "a" went away
  // Read "a" and "b" (entries 0 and 1 of the old listing): go on with "c", entry 1 now; the
  // listing index counts "." and ".." too.
  EXPECT_EQ(DirReads::resume_at(*fresh, AfterName(3, 1, "b")), 1u + 2);
  // A name added before it: "b" moved the other way.
  auto grown = Names(7, {"0", "a", "b", "c"});
  EXPECT_EQ(DirReads::resume_at(*grown, AfterName(3, 1, "b")), 3u + 2);
  // The name read last is gone too: the same index as before (entry 2).
  auto without_b = Names(7, {"a", "c", "d"});
  EXPECT_EQ(DirReads::resume_at(*without_b, AfterName(3, 1, "b")), 2u + 2);
  // After "." and "..", or through a handle (no mark): plain indexes.
  EXPECT_EQ(DirReads::resume_at(*fresh, DirReads::offset_of(3, 2)), 2u);
  EXPECT_EQ(DirReads::resume_at(*fresh, 4), 4u);
  EXPECT_NE(DirReads::mark_of_name(""), 0);
}

TEST(DirReadsTest, ReadersThatStopHalfwayLeaveABoundedNumberOfCopies) {
  DirReads reads;
  std::vector<DirReads::CopyPtr> copies;
  for (std::uint64_t ino = 1; ino <= 1000; ++ino) copies.push_back(reads.started(Copy(ino, "n")));
  int kept = 0;
  for (std::uint64_t ino = 1; ino <= 1000; ++ino) {
    kept += reads.continued(ino, After(copies[ino - 1], 3)) != nullptr;
  }
  EXPECT_GT(kept, 0);
  EXPECT_LE(kept, 64);
  EXPECT_NE(reads.continued(1000, After(copies.back(), 3)), nullptr)
      << "the latest read is always kept";
  EXPECT_EQ(reads.continued(1, After(copies.front(), 3)), nullptr) << "the oldest goes first";
}

}  // namespace
}  // namespace snapfs
