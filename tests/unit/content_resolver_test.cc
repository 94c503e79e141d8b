#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "fs/config.h"
#include "fs/content/resolver.h"
#include "tests/support/process.h"

namespace snapfs::content {
namespace {

class ContentConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    chmod(path.c_str(), 0600);
    return path;
  }
  test::TempDir files_;
  const std::string dir_ = files_.path();
};

TEST_F(ContentConfigTest, TheKeysAreAcceptedForNasTypesOnly) {
  for (const char* type : {"ovh-nasha", "ovh-netapp", "naver-nas"}) {
    auto config = load_config_file(
        Write("ok.conf", std::string("[r]\ntype = ") + type +
                             "\ncontent = auto\ncontent_map = 10.0.0.1:/a=/mnt/a, h:/b/=/mnt/b\n"));
    EXPECT_TRUE(config.ok()) << type << ": " << config.error().message;
  }
  auto block = load_config_file(Write("block.conf", "[s]\ntype = scaleway-block\ncontent = off\n"));
  ASSERT_FALSE(block.ok());
  EXPECT_NE(block.error().message.find("unknown key 'content'"), std::string::npos)
      << block.error().message;
}

TEST_F(ContentConfigTest, BadValuesNameTheKey) {
  auto bad = load_config_file(Write("c.conf", "[nas]\ntype = ovh-nasha\ncontent = maybe\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("[nas] content must be auto or off, not 'maybe'"),
            std::string::npos)
      << bad.error().message;
  for (const char* map : {"10.0.0.1:/a", "10.0.0.1:/a=relative", "noexport=/mnt/x", "=/mnt"}) {
    auto bad_map = load_config_file(
        Write("m.conf", std::string("[nas]\ntype = naver-nas\ncontent_map = ") + map + "\n"));
    ASSERT_FALSE(bad_map.ok()) << map;
    EXPECT_NE(bad_map.error().message.find("[nas] content_map takes EXPORT=LOCAL_DIR"),
              std::string::npos)
        << bad_map.error().message;
  }
}

RemoteConfig Remote(const std::string& type, std::map<std::string, std::string> keys = {}) {
  RemoteConfig r;
  r.name = "r";
  r.type = type;
  r.keys = std::move(keys);
  return r;
}

class ResolverTest : public ContentConfigTest {
 protected:
  std::shared_ptr<MountTable> Mounts(const std::string& text) {
    return std::make_shared<MountTable>(Write("mountinfo", text), std::chrono::milliseconds(0));
  }
};

TEST_F(ResolverTest, TheLocalMountHoldsTheSnapshotDirectory) {
  auto mounts =
      Mounts("36 25 0:50 / /mnt/nas rw - nfs4 10.16.101.42:/zpool-123456/partition1 rw\n");
  Resolver resolver({Remote("ovh-nasha")}, mounts);
  auto at = resolver.resolve(0, "10.16.101.42:/zpool-123456/partition1", ".zfs/snapshot/daily");
  EXPECT_EQ(at.dir, "/mnt/nas/.zfs/snapshot/daily");
  EXPECT_EQ(at.why_not, "");
  auto other = resolver.resolve(0, "10.16.101.42:/zpool-123456/partition2/", ".zfs/snapshot/x");
  EXPECT_EQ(other.dir, "");
  EXPECT_EQ(other.why_not, "no local mount of 10.16.101.42:/zpool-123456/partition2");
}

TEST_F(ResolverTest, SaysWhyNot) {
  auto mounts = Mounts("36 25 0:50 / /mnt/nas rw - nfs4 h:/v rw\n");
  Resolver resolver(
      {Remote("ovh-netapp", {{"content", "off"}}), Remote("scaleway-block"), Remote("naver-nas")},
      mounts);
  EXPECT_EQ(resolver.resolve(0, "h:/v", ".snapshot/a").why_not, "content off");
  EXPECT_EQ(resolver.resolve(1, "", "").why_not, "block volume snapshot: no file access");
  EXPECT_EQ(resolver.resolve(2, "", ".snapshot/a").why_not,
            "the API gives no NFS export for this volume");
  EXPECT_EQ(resolver.resolve(2, "h:/v", "").why_not,
            "the API gives no directory for this snapshot's files");
  // A reported directory never leads out of the export.
  for (const char* escape : {"../etc", ".snapshot/../../x", "/etc"}) {
    auto at = resolver.resolve(2, "h:/v", escape);
    EXPECT_EQ(at.dir, "") << escape;
    EXPECT_NE(at.why_not.find("unusable"), std::string::npos) << escape;
  }
  EXPECT_EQ(resolver.resolve(2, "h:/v", ".snapshot/a").dir, "/mnt/nas/.snapshot/a");
}

TEST_F(ResolverTest, ContentMapOverridesTheMountTable) {
  auto mounts = Mounts("36 25 0:50 / /mnt/nas rw - nfs4 h:/v rw\n");
  Resolver resolver({Remote("naver-nas", {{"content_map", "h:/v/=/srv/copy/,other:/w=/w"}})},
                    mounts);
  EXPECT_EQ(resolver.resolve(0, "h:/v", ".snapshot/a").dir, "/srv/copy/.snapshot/a");
  EXPECT_EQ(resolver.resolve(0, "other:/w", ".snapshot/b").dir, "/w/.snapshot/b");
}

}  // namespace
}  // namespace snapfs::content
