// snapfs-emulator --content-root with the NAVER API: each NAS volume's files at
// DIR/<host>/<path>/ of its mountInformation, and each snapshot's copy at .snapshot/<name>, made
// on create and gone on delete.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "providers/naver/naver_provider.h"
#include "tests/support/process.h"

namespace snapfs {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

long long pending(const test::EmulatorProcess& emu) {
  std::string body;
  if (emu.get("/_emulator/content", &body) != 200) return -1;
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.HasMember("pending")) return -1;
  return doc["pending"].GetInt64();
}

// Waits until the trees match the emulator's state as of its last request.
bool settled(const test::EmulatorProcess& emu) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (pending(emu) != 0) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

TEST(NaverContentRoot, SnapshotsAreCopiesUnderDotSnapshotOfTheMountInformation) {
  test::TempDir root;
  test::TempDir home;
  test::EmulatorProcess emu({"--seed", "demo", "--async-ms", "0", "--content-root", root.path()});
  ASSERT_TRUE(emu.ok());
  RemoteConfig remote;
  remote.name = "nas";
  remote.type = "naver-nas";
  remote.keys = {{"access_key", "demo-access-key"},
                 {"secret_key", "demo-secret-key"},
                 {"api_url", emu.base_url()}};
  ProviderEnv env;
  env.home = home.path();
  env.getenv = [](const std::string&) { return std::optional<std::string>(); };
  auto made = make_naver_nas_provider(remote, env);
  ASSERT_TRUE(made.ok()) << made.error().message;
  Provider& provider = **made;
  const OpContext ctx(std::chrono::seconds(20));

  ObjectRef region;
  region.level = Level::Service;
  region.service_id = "KR";
  auto volumes = provider.list_volumes(region, ctx);
  ASSERT_TRUE(volumes.ok()) << volumes.error().message;
  const VolumeInfo* data = nullptr;
  for (const VolumeInfo& v : *volumes) {
    if (v.name == "n1234567_data") data = &v;
  }
  ASSERT_NE(data, nullptr);
  ASSERT_EQ(data->nfs_export, "10.250.53.74:/n1234567_data");
  const std::string live = root.path() + "/10.250.53.74/n1234567_data";
  ASSERT_TRUE(settled(emu));
  EXPECT_TRUE(exists(live + "/README.txt"));

  ObjectRef volume = region;
  volume.level = Level::Volume;
  volume.volume_id = data->id;
  volume.volume_data = data->provider_data;
  auto listed = provider.list_snapshots(volume, ctx);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_FALSE(listed->empty());
  for (const SnapshotInfo& s : *listed) {
    EXPECT_TRUE(exists(live + "/" + s.content_dir + "/docs/report.txt")) << s.content_dir;
    EXPECT_FALSE(exists(live + "/" + s.content_dir + "/.snapshot")) << s.content_dir;
  }

  CreateRequest request;
  request.name = "with-files";
  auto snapshot = provider.create_snapshot(volume, request, ctx);
  ASSERT_TRUE(snapshot.ok()) << snapshot.error().message;
  EXPECT_EQ(snapshot->content_dir, ".snapshot/" + snapshot->name);
  ASSERT_TRUE(settled(emu));
  EXPECT_TRUE(exists(live + "/" + snapshot->content_dir + "/photos/2024/beach.jpg"));

  ObjectRef ref = volume;
  ref.level = Level::Snapshot;
  ref.snapshot_id = ref.snapshot_name = snapshot->name;
  Status deleted = provider.delete_snapshot(ref, ctx);
  ASSERT_TRUE(deleted.ok()) << deleted.error().message;
  ASSERT_TRUE(settled(emu));
  EXPECT_FALSE(exists(live + "/" + snapshot->content_dir));
  EXPECT_TRUE(exists(live + "/README.txt"));
}

}  // namespace
}  // namespace snapfs
