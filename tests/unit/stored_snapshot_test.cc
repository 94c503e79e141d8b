// The compact form the caches keep a snapshot in gives back exactly what the provider said.
#include "fs/stored_snapshot.h"

#include <gtest/gtest.h>

#include "fs/interned.h"

namespace snapfs {
namespace {

SnapshotInfo scaleway_like(int n) {
  SnapshotInfo s;
  s.id = "1b000000-0000-4000-8000-00000000000" + std::to_string(n);
  s.name = "auto-2026010" + std::to_string(n);
  s.volume_id = "1a000000-0000-4000-8000-000000000001";
  s.created_us = 1767225600123456 + n;
  s.size = 10000000000ULL;
  s.state = "available";
  s.type = "manual";
  s.tags = std::vector<std::string>{"weekly", "n" + std::to_string(n)};
  s.attrs = {{"zone", "fr-par-1"}};
  s.json = R"({"id":")" + s.id + R"(","name":")" + s.name +
           R"(","volume_type":"l_ssd","organization":"00000000-0000-4000-8000-0000000000aa",)"
           R"("project":"00000000-0000-4000-8000-0000000000aa","size":10000000000,)"
           R"("state":"available","tags":["weekly"],"zone":"fr-par-1","error_reason":null})";
  return s;
}

void expect_same(const SnapshotInfo& a, const SnapshotInfo& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.volume_id, b.volume_id);
  EXPECT_EQ(a.created_us, b.created_us);
  EXPECT_EQ(a.size, b.size);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.expiration, b.expiration);
  EXPECT_EQ(a.content_dir, b.content_dir);
  EXPECT_EQ(a.tags, b.tags);
  ASSERT_EQ(a.attrs.size(), b.attrs.size());
  for (std::size_t i = 0; i < a.attrs.size(); ++i) {
    EXPECT_EQ(a.attrs[i].key, b.attrs[i].key);
    EXPECT_EQ(a.attrs[i].value, b.attrs[i].value);
  }
  EXPECT_EQ(a.json, b.json);
}

TEST(StoredSnapshot, GivesBackEveryField) {
  SnapshotInfo s = scaleway_like(3);
  s.description = "before the upgrade";
  s.expiration = "";
  s.content_dir = ".zfs/snapshot/daily";
  auto stored = store_snapshot(s);
  EXPECT_EQ(stored->id(), s.id);
  EXPECT_EQ(stored->name(), s.name);
  EXPECT_EQ(stored->state(), "available");
  EXPECT_EQ(stored->size(), s.size);
  expect_same(stored->expand(), s);
}

TEST(StoredSnapshot, AbsentOptionalsStayAbsent) {
  SnapshotInfo s;
  s.id = "snap-1";
  s.name = "snap-1";
  s.volume_id = "partition-01";
  s.state = "available";
  auto stored = store_snapshot(s);
  SnapshotInfo back = stored->expand();
  EXPECT_FALSE(back.size.has_value());
  EXPECT_FALSE(stored->size().has_value());
  EXPECT_FALSE(back.description.has_value());
  EXPECT_FALSE(back.expiration.has_value());
  EXPECT_FALSE(back.tags.has_value());
  EXPECT_TRUE(back.json.empty());
  expect_same(back, s);
}

TEST(StoredSnapshot, SiblingsShareOneDictionaryAndStaySmall) {
  std::vector<SnapshotInfo> infos;
  infos.reserve(10);
  for (int i = 0; i < 10; ++i) infos.push_back(scaleway_like(i));
  std::vector<SnapshotInfo> copies = infos;
  auto stored = store_snapshots(std::move(infos));
  ASSERT_EQ(stored.size(), 10u);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(stored[i]->dictionary(), stored[0]->dictionary());
    expect_same(stored[i]->expand(), copies[i]);
  }
  ASSERT_NE(stored[0]->dictionary(), nullptr);
  EXPECT_EQ(*stored[0]->dictionary(), copies[0].json);
}

TEST(StoredSnapshot, JsonThatDoesNotCompressIsKeptAsIs) {
  SnapshotInfo s = scaleway_like(1);
  s.json = "{}";
  expect_same(store_snapshot(s)->expand(), s);
}

TEST(StoredSnapshot, SnapshotsDifferingInOneSharedFieldKeepTheirOwn) {
  SnapshotInfo a = scaleway_like(1);
  SnapshotInfo b = scaleway_like(2);
  SnapshotInfo other_volume = scaleway_like(3);
  other_volume.volume_id = "1a000000-0000-4000-8000-000000000002";
  SnapshotInfo creating = scaleway_like(4);
  creating.state = "creating";
  SnapshotInfo automatic = scaleway_like(5);
  automatic.type = "automatic";
  auto stored_a = store_snapshot(a);
  auto stored_b = store_snapshot(b);
  // Volume id, state and type are stored once for both.
  EXPECT_EQ(&stored_a->volume_id(), &stored_b->volume_id());
  EXPECT_EQ(&stored_a->state(), &stored_b->state());
  EXPECT_EQ(&stored_a->type(), &stored_b->type());
  for (const SnapshotInfo* s : {&a, &b, &other_volume, &creating, &automatic}) {
    auto stored = store_snapshot(*s);
    EXPECT_EQ(stored->volume_id(), s->volume_id);
    EXPECT_EQ(stored->state(), s->state);
    EXPECT_EQ(stored->type(), s->type);
    expect_same(stored->expand(), *s);
  }
}

TEST(Interned, SameTextSameStorage) {
  const std::string& a = intern("available");
  const std::string& b = intern(std::string("avail") + "able");
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&intern("creating"), &a);
  EXPECT_EQ(intern("creating"), "creating");
}

}  // namespace
}  // namespace snapfs
