#include "bench/expected_requests.h"

#include <algorithm>

namespace snapfs::bench {
namespace {

// Page sizes snapfs asks for; each is the API's maximum (Scaleway per_page / page_size <= 100,
// NAVER VPC pageSize 100) or, for OVH's X-Pagination-Size, the control panel's default.
constexpr long long kScalewayPageSize = 100;
constexpr long long kOvhPageSize = 5000;
constexpr long long kNaverVolumePageSize = 100;

const char* const kScalewayZones[] = {"fr-par-1", "fr-par-2", "fr-par-3", "nl-ams-1", "nl-ams-2"};
const char* const kNaverRegions[] = {"KR", "SGN", "JPN", "USWN", "DEN"};

// A paginated list of n items: page 1 is always fetched; once page 1 told the total, exactly the
// pages that hold items follow.
long long pages(long long items, long long page_size) {
  return std::max(1LL, (items + page_size - 1) / page_size);
}

std::string join_first(const char* const* names, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += (i ? "," : "") + std::string(names[i]);
  return out;
}

}  // namespace

std::string DataShape::seed() const {
  std::string s = "synthetic:services=" + std::to_string(services) +
                  ",volumes=" + std::to_string(volumes) + ",snapshots=" + std::to_string(snapshots);
  if (big > 0) s += ",big=" + std::to_string(big);
  return s;
}

long long DataShape::snapshots_per_remote() const {
  return static_cast<long long>(services) * volumes * snapshots + big;
}

long long DataShape::snapshots_total() const {
  return snapshots_per_remote() * static_cast<long long>(bench_remotes().size());
}

const std::vector<BenchRemote>& bench_remotes() {
  static const std::vector<BenchRemote> remotes = {{"scw", "scaleway-instance"},
                                                   {"scw-block", "scaleway-block"},
                                                   {"ovh-nas", "ovh-nasha"},
                                                   {"ovh-efs", "ovh-netapp"},
                                                   {"naver", "naver-nas"}};
  return remotes;
}

std::string scaleway_zone(int index) {
  return kScalewayZones[index];
}

std::string bench_config(const std::string& url, const DataShape& shape,
                         const std::vector<std::string>& only, const std::string& ca_file) {
  const int s = std::clamp(shape.services, 1, kMaxServices);
  const std::string trust = ca_file.empty() ? "" : "ca_file = " + ca_file + "\n";
  const std::string scaleway = "zones = " + join_first(kScalewayZones, s) + "\napi_url = " + url +
                               "\nsecret_key = 00000000-0000-4000-8000-000000000001\n" + trust;
  const std::string ovh = "endpoint = " + url +
                          "/1.0\napplication_key = demo-ak\napplication_secret = demo-as\n"
                          "consumer_key = demo-ck\n" +
                          trust;
  const std::map<std::string, std::string> sections = {
      {"scw", "type = scaleway-instance\n" + scaleway},
      {"scw-block", "type = scaleway-block\n" + scaleway},
      {"ovh-nas", "type = ovh-nasha\n" + ovh},
      {"ovh-efs", "type = ovh-netapp\n" + ovh},
      {"naver", "type = naver-nas\nplatform = vpc\nregions = " + join_first(kNaverRegions, s) +
                    "\napi_url = " + url +
                    "\naccess_key = demo-access-key\nsecret_key = demo-secret-key\n" + trust}};
  std::string config = "# snapfs-bench: remotes served by snapfs-emulator.\n";
  for (const BenchRemote& r : bench_remotes()) {
    if (!only.empty() && std::find(only.begin(), only.end(), r.name) == only.end()) continue;
    config += "\n[" + r.name + "]\n" + sections.at(r.name);
  }
  return config;
}

long long scaleway_zone_snapshot_pages(const DataShape& shape, int zone_index, int added) {
  long long snapshots = static_cast<long long>(shape.volumes) * shape.snapshots + added;
  if (zone_index == 0) snapshots += shape.big;
  return pages(snapshots, kScalewayPageSize);
}

std::map<std::string, long long> expected_crawl_requests(const DataShape& shape) {
  const long long s = shape.services;
  const long long has_big = shape.big > 0 ? 1 : 0;
  const long long volumes = s * shape.volumes + has_big;  // per remote
  std::map<std::string, long long> e;

  // Scaleway (Instance and Block alike): per zone one volume listing and one snapshot listing
  // of the whole zone, grouped by volume on our side (never one listing per volume).
  for (const char* api : {"/instance/v1", "/block/v1"}) {
    long long volume_pages = 0, snapshot_pages = 0;
    for (int z = 0; z < s; ++z) {
      volume_pages += pages(shape.volumes + (z == 0 ? has_big : 0), kScalewayPageSize);
      snapshot_pages += scaleway_zone_snapshot_pages(shape, z);
    }
    e[std::string("GET ") + api + "/zones/{zone}/volumes"] = volume_pages;
    e[std::string("GET ") + api + "/zones/{zone}/snapshots"] = snapshot_pages;
  }

  // OVH: each remote reads the API clock once (requests are signed with a timestamp).
  e["GET /1.0/auth/time"] = 2;
  // HA-NAS, in object-list mode (X-Pagination-Mode): full objects, no per-item GET. The custom
  // snapshot object has no creation date, so each service's snapshot-creation task history is
  // listed once, alongside its partition list.
  e["GET /1.0/dedicated/nasha"] = pages(s, kOvhPageSize);
  long long partition_pages = 0;
  for (int i = 0; i < s; ++i)
    partition_pages += pages(shape.volumes + (i == 0 ? has_big : 0), kOvhPageSize);
  e["GET /1.0/dedicated/nasha/{serviceName}/partition"] = partition_pages;
  e["GET /1.0/dedicated/nasha/{serviceName}/partition/{partitionName}/customSnapshot"] =
      s * shape.volumes * pages(shape.snapshots, kOvhPageSize) +
      has_big * pages(shape.big, kOvhPageSize);
  e["GET /1.0/dedicated/nasha/{serviceName}/task"] = s;
  // Enterprise File Storage lists return object arrays, unpaginated.
  e["GET /1.0/storage/netapp"] = 1;
  e["GET /1.0/storage/netapp/{serviceName}/share"] = s;
  e["GET /1.0/storage/netapp/{serviceName}/share/{shareId}/snapshot"] = volumes;
  // Each share's NFS export: its accessPath list, once (the share objects do not hold it).
  e["GET /1.0/storage/netapp/{serviceName}/share/{shareId}/accessPath"] = volumes;

  // NAVER VPC: a paginated volume list per region; a volume's snapshot list is unpaginated.
  // totalRows may count one page only, so a full last page is followed by one more.
  long long naver_volume_pages = 0;
  for (int r = 0; r < s; ++r) {
    long long n = shape.volumes + (r == 0 ? has_big : 0);
    naver_volume_pages +=
        pages(n, kNaverVolumePageSize) + (n > 0 && n % kNaverVolumePageSize == 0 ? 1 : 0);
  }
  e["GET /vnas/v2/getNasVolumeInstanceList"] = naver_volume_pages;
  e["GET /vnas/v2/getNasVolumeSnapshotList"] = volumes;
  return e;
}

}  // namespace snapfs::bench
