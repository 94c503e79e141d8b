// Exact API request counts of a crawl, counted by the emulator (never by snapfs itself): a cold
// `ls -lAR` of one remote per remote type makes exactly the list pages the data needs (no
// per-item GET, no N+1), the same crawl within the TTL makes none, and file-manager probes of
// absent names make none. Background prefetch is on (the default), as users run it.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "tests/support/mount.h"
#include "tests/support/process.h"

namespace snapfs::test {
namespace {

constexpr int kServices = 2;
constexpr int kVolumes = 3;
constexpr int kSnapshots = 130;
constexpr int kBig = 250;
constexpr int kScalewayPageSize = 100;  // providers/scaleway: per_page / page_size

std::string Config(const std::string& url) {
  std::string auth_ovh =
      "application_key = demo-ak\napplication_secret = demo-as\nconsumer_key = demo-ck\n";
  return "[scw]\ntype = scaleway-instance\nzones = fr-par-1,fr-par-2\napi_url = " + url +
         "\nsecret_key = 00000000-0000-4000-8000-000000000001\n"
         "[scw-block]\ntype = scaleway-block\nzones = fr-par-1,fr-par-2\napi_url = " +
         url +
         "\nsecret_key = 00000000-0000-4000-8000-000000000001\n"
         "[ovh-nas]\ntype = ovh-nasha\nendpoint = " +
         url + "/1.0\n" + auth_ovh + "[ovh-efs]\ntype = ovh-netapp\nendpoint = " + url + "/1.0\n" +
         auth_ovh +
         "[naver]\ntype = naver-nas\nplatform = vpc\nregions = KR,SGN\napi_url = " + url +
         "\naccess_key = demo-access-key\nsecret_key = demo-secret-key\n";
}

// Requests per "api method route" of /_emulator/stats, all statuses together.
std::map<std::string, long long> Counts(const EmulatorProcess& emulator) {
  rapidjson::Document doc;
  doc.Parse(emulator.stats_json().c_str());
  std::map<std::string, long long> out;
  if (doc.HasParseError() || !doc.HasMember("requests")) return out;
  for (const auto& r : doc["requests"].GetArray()) {
    out[std::string(r["method"].GetString()) + " " + r["route"].GetString()] +=
        r["count"].GetInt64();
  }
  return out;
}

std::string Describe(const std::map<std::string, long long>& counts) {
  std::ostringstream out;
  for (const auto& [route, n] : counts) out << "  " << n << " " << route << "\n";
  return out.str();
}

// Waits until the emulator's request total stops moving (background listings done).
long long SettledTotal(const EmulatorProcess& emulator) {
  long long last = emulator.total_requests();
  auto stable_since = std::chrono::steady_clock::now();
  const auto give_up = stable_since + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    long long now = emulator.total_requests();
    if (now != last) {
      last = now;
      stable_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - stable_since >= std::chrono::seconds(1)) {
      break;
    }
  }
  return last;
}

int Lines(const std::string& text) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.empty() ? 0 : 1;
  return n;
}

long long Pages(int items, int page_size) {
  return items == 0 ? 1 : (items + page_size - 1) / page_size;
}

class RequestCountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SNAPFS_REQUIRE_FUSE();
    std::ostringstream seed;
    seed << "synthetic:services=" << kServices << ",volumes=" << kVolumes
         << ",snapshots=" << kSnapshots << ",big=" << kBig;
    emulator_ = std::make_unique<EmulatorProcess>(std::vector<std::string>{"--seed", seed.str()});
    ASSERT_TRUE(emulator_->ok());
    mount_ = std::make_unique<SnapfsMount>(Config(emulator_->base_url()),
                                           std::vector<std::string>{"cache_ttl=600"});
    ASSERT_TRUE(mount_->ok()) << mount_->log();
    emulator_->reset_stats();
  }

  // Snapshots per zone of a Scaleway remote, as the mount shows them.
  int ZoneSnapshots(const std::string& remote, const std::string& zone) const {
    CommandResult r = mount_->sh("ls -1 " + remote + "/" + zone + "/*/.snapshots");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    int n = 0;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() != ':') ++n;
    }
    return n;
  }

  std::unique_ptr<EmulatorProcess> emulator_;
  std::unique_ptr<SnapfsMount> mount_;
};

TEST_F(RequestCountsTest, ColdCrawlMakesExactlyTheListPagesWarmCrawlAndProbesMakeNone) {
  CommandResult crawl = mount_->sh("ls -lAR . > /dev/null");
  ASSERT_EQ(crawl.exit_code, 0) << crawl.err << mount_->log();
  const long long cold_total = SettledTotal(*emulator_);
  const auto cold = Counts(*emulator_);

  // What the data needs, from the mount's own view of it (counted after the crawl, which is
  // served from the cache: no request).
  const int partitions = Lines(mount_->sh("ls -1d ovh-nas/*/*").out);
  const int shares = Lines(mount_->sh("ls -1d ovh-efs/*/*").out);
  const int naver_volumes = Lines(mount_->sh("ls -1d naver/*/*").out);
  const int ovh_services = Lines(mount_->sh("ls -1d ovh-nas/*").out);
  const int efs_services = Lines(mount_->sh("ls -1d ovh-efs/*").out);
  EXPECT_EQ(partitions, kServices * kVolumes + 1);
  EXPECT_EQ(shares, kServices * kVolumes + 1);
  EXPECT_EQ(naver_volumes, kServices * kVolumes + 1);
  long long instance_pages = 0;
  long long block_pages = 0;
  for (const char* zone : {"fr-par-1", "fr-par-2"}) {
    instance_pages += Pages(ZoneSnapshots("scw", zone), kScalewayPageSize);
    block_pages += Pages(ZoneSnapshots("scw-block", zone), kScalewayPageSize);
  }
  EXPECT_EQ(emulator_->total_requests(), cold_total) << "counting the data made requests";

  const std::map<std::string, long long> expected = {
      // Scaleway: each zone's volumes once, each zone's snapshots once, page by page, grouped by
      // volume in snapfs (never one list per volume).
      {"GET /instance/v1/zones/{zone}/volumes", 2},
      {"GET /instance/v1/zones/{zone}/snapshots", instance_pages},
      {"GET /block/v1/zones/{zone}/volumes", 2},
      {"GET /block/v1/zones/{zone}/snapshots", block_pages},
      // OVH: the server time once per remote, each list once in object-list mode, and each
      // HA-NAS service's task history once (creation dates of custom snapshots).
      {"GET /1.0/auth/time", 2},
      {"GET /1.0/dedicated/nasha", 1},
      {"GET /1.0/dedicated/nasha/{serviceName}/partition", ovh_services},
      {"GET /1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/customSnapshot",
       partitions},
      {"GET /1.0/dedicated/nasha/{serviceName}/task", ovh_services},
      {"GET /1.0/storage/netapp", 1},
      {"GET /1.0/storage/netapp/{serviceName}/share", efs_services},
      // Each share's NFS export (its accessPath list), once: the share objects do not hold it.
      {"GET /1.0/storage/netapp/{serviceName}/share/{shareId}/accessPath", shares},
      {"GET /1.0/storage/netapp/{serviceName}/share/{shareId}/snapshot", shares},
      // NAVER: each region's volumes once, each volume's snapshots once.
      {"GET /vnas/v2/getNasVolumeInstanceList", kServices},
      {"GET /vnas/v2/getNasVolumeSnapshotList", naver_volumes},
  };
  EXPECT_EQ(cold, expected) << "cold crawl made:\n" << Describe(cold);
  long long sum = 0;
  for (const auto& [route, n] : expected) sum += n;
  EXPECT_EQ(cold_total, sum);

  // The same crawl within the TTL: everything from the cache.
  emulator_->reset_stats();
  crawl = mount_->sh("ls -lAR . > /dev/null");
  ASSERT_EQ(crawl.exit_code, 0) << crawl.err;
  EXPECT_EQ(SettledTotal(*emulator_), 0) << Describe(Counts(*emulator_));

  // File-manager probes of absent names in every directory down to the .snapshots ones and
  // in a few snapshot directories: answered from the cached listings.
  emulator_->reset_stats();
  CommandResult probes = mount_->sh(
      "n=0; for d in . * */* */*/* */*/*/.snapshots $(ls -d */*/*/.snapshots/* | head -20); do "
      "for p in .hidden .directory desktop.ini autorun.inf .Trash-1000 .Trash .xdg-volume-info "
      ".git .svn .hg .bzr CVS .DS_Store Thumbs.db folder.jpg .localized .metadata_never_index "
      ".ql_disablethumbnails .comments .thumbnails; do "
      "[ -e \"$d/$p\" ] && echo \"unexpected $d/$p\"; n=$((n+1)); done; done; echo $n");
  ASSERT_EQ(probes.exit_code, 0) << probes.err;
  EXPECT_EQ(probes.out.find("unexpected"), std::string::npos) << probes.out;
  EXPECT_GT(std::stoll(probes.out), 20LL * 60) << "probes ran";
  EXPECT_EQ(SettledTotal(*emulator_), 0) << Describe(Counts(*emulator_));
}

}  // namespace
}  // namespace snapfs::test
