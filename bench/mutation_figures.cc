// snapfs-bench: figure 6, mkdir and rmdir bursts (bench/README.md).
#include "bench/bench_rig.h"

namespace snapfs::bench {
namespace {

class MutationBench {
 public:
  MutationBench(const Options& o, Report& report, const Rig& rig)
      : o_(o), report_(report), rig_(rig) {}

  // Figure 6: mkdir and rmdir bursts in one Scaleway Instance volume.
  void run() {
    const int zone = rig_.shape().services >= 2 ? 1 : 0;
    const std::string dir = rig_.root() + "/scw/" + scaleway_zone(zone) + "/data-001/.snapshots";
    // A refresh lists the whole zone, the new snapshots included.
    const long long refresh_pages = scaleway_zone_snapshot_pages(rig_.shape(), zone, o_.mutations);
    std::vector<std::string> paths;
    for (int i = 0; i < o_.mutations; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "/bench-%03d", i);
      paths.push_back(dir + name);
    }
    rig_.reset();
    RequestCounts start = rig_.counts();
    Burst made = burst(paths, [](const char* p) { return mkdir(p, 0755); });
    RequestCounts after_mkdir = rig_.counts();
    // A snapshot is "creating" until the emulator's async delay has passed, and rmdir of a
    // creating snapshot is EBUSY by contract: let them become available first.
    std::this_thread::sleep_for(std::chrono::milliseconds(o_.async_ms + 300));
    Burst removed = burst(paths, [](const char* p) { return rmdir(p); });
    RequestCounts after_rmdir = rig_.counts();
    const double rtt_ms = o_.latency_ms;
    add_latency("6a", "mkdir latency p50", percentile(made.ms, 50) / rtt_ms);
    add_latency("6b", "mkdir latency p99", percentile(made.ms, 99) / rtt_ms);
    add_latency("6c", "rmdir latency p50", percentile(removed.ms, 50) / rtt_ms);
    add_latency("6d", "rmdir latency p99", percentile(removed.ms, 99) / rtt_ms);
    add_burst_requests("6e", "mkdir burst, requests per mkdir", made, start.until(after_mkdir),
                       refresh_pages);
    add_burst_requests("6f", "rmdir burst, requests per rmdir", removed,
                       after_mkdir.until(after_rmdir), refresh_pages);
  }

 private:
  struct Burst {
    std::vector<double> ms;
    int failures = 0;
    std::string first_error;
  };

  template <class Op>
  Burst burst(const std::vector<std::string>& paths, Op op) {
    Burst b;
    for (const std::string& path : paths) {
      const Clock::time_point start = Clock::now();
      int rc = op(path.c_str());
      int err = errno;
      b.ms.push_back(seconds_since(start) * 1000);
      if (rc != 0) {
        if (b.failures++ == 0) b.first_error = path + ": " + std::strerror(err);
      }
    }
    return b;
  }

  void add_latency(const std::string& id, const std::string& name, double rtts) {
    Figure& f = report_.add(make_figure(id, name, rtts, "RTT", 1.0, "info"));
    f.ratio = rtts;
  }

  void add_burst_requests(const std::string& id, const std::string& name, const Burst& b,
                          const RequestCounts& delta, long long refresh_pages) {
    const double ops = static_cast<double>(b.ms.size());
    const long long gets = delta.method("GET");
    const long long changes = delta.total - gets;
    const double allowed = 1.0 + static_cast<double>(refresh_pages) / ops;
    Figure& f = report_.add(make_figure(id, name, static_cast<double>(delta.total) / ops, "req/op",
                                        allowed, "1 each + <= 1 refresh"));
    f.ratio = f.value / allowed;
    const bool ok = changes == static_cast<long long>(ops) && gets <= refresh_pages;
    f.verdict = b.failures > 0 ? Verdict::kError : ok ? Verdict::kPass : Verdict::kMiss;
    f.raw = {{"operations", ops},
             {"change_requests", static_cast<double>(changes)},
             {"list_requests", static_cast<double>(gets)},
             {"pages_per_listing_refresh", static_cast<double>(refresh_pages)},
             {"listing_refreshes", static_cast<double>(gets) / static_cast<double>(refresh_pages)},
             {"failures", static_cast<double>(b.failures)}};
    for (const auto& [route, count] : delta.by_route) {
      f.raw.emplace_back(route, static_cast<double>(count));
    }
    if (b.failures > 0) {
      f.note = std::to_string(b.failures) + " failed, first: " + b.first_error;
    }
  }

  const Options& o_;
  Report& report_;
  const Rig& rig_;
};

}  // namespace

void mutation_figures(const Options& o, Report& report, const Rig& rig) {
  MutationBench(o, report, rig).run();
}

}  // namespace snapfs::bench
