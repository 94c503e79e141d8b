// The data set of the benchmark and the API requests a crawl of it needs: the list pages per
// route, from the data set's shape and the page size each API allows (bench/README.md, figure 5).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace snapfs::bench {

// snapfs-emulator --seed synthetic:services=S,volumes=V,snapshots=N,big=M: for every API,
// S services with V volumes of N snapshots, plus one volume "big" of M snapshots in the first.
struct DataShape {
  int services = 3;
  int volumes = 10;
  int snapshots = 100;
  int big = 1000;

  std::string seed() const;
  // Snapshots under one remote, and under the whole mount (one remote per remote type).
  long long snapshots_per_remote() const;
  long long snapshots_total() const;
};

// The remote types, one remote each, in the order of the configuration file.
struct BenchRemote {
  std::string name;  // section name = top directory of the mount
  std::string type;
};
const std::vector<BenchRemote>& bench_remotes();
constexpr int kMaxServices = 5;  // NAVER has five regions

// A configuration file with one remote per remote type, all served by the emulator at `url`; with
// `only` not empty, just the remotes it names. `ca_file` (when not empty) is trusted by every
// remote: the emulator's certificate when it speaks TLS.
std::string bench_config(const std::string& url, const DataShape& shape,
                         const std::vector<std::string>& only = {},
                         const std::string& ca_file = "");

// Zone and region names of the services, as the emulator generates them.
std::string scaleway_zone(int index);

// "GET <route template>" -> requests a full crawl needs (route templates as the emulator's
// /_emulator/stats names them).
std::map<std::string, long long> expected_crawl_requests(const DataShape& shape);

// List pages of one listing of a Scaleway zone's snapshots, with `added` more than the data set
// has (figure 6).
long long scaleway_zone_snapshot_pages(const DataShape& shape, int zone_index, int added = 0);

}  // namespace snapfs::bench
