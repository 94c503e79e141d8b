#include "providers/ovh/ovh_nasha_provider.h"

// ovh-nasha: creation dates from the service's task history (and from this mount's own create
// tasks), and the pending task of a create or delete whose answer was lost.

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "providers/common/log.h"
#include "providers/ovh/ovh_nasha_internal.h"

namespace snapfs {

using namespace nasha_internal;

namespace {

constexpr std::chrono::seconds kTaskMaxAge = std::chrono::hours(1);

// The names of `unknown` that a done create task of `partition` in `history` made -> the latest
// doneDate of such a task.
std::unordered_map<std::string, std::int64_t> latest_done_dates(
    const std::vector<NashaTask>& history, const std::string& partition,
    const std::vector<std::string>& unknown) {
  std::unordered_map<std::string, std::int64_t> found;
  std::unordered_set<std::string> wanted(unknown.begin(), unknown.end());
  for (const NashaTask& task : history) {
    if (task.status != "done" || !task.done_us) continue;
    if (!task.partition.empty() && task.partition != partition) continue;
    std::vector<std::string> matched;
    if (wanted.count(task.details)) {
      matched.push_back(task.details);
    } else if (unknown.size() <= 1000) {
      for (const std::string& name : unknown) {
        if (nasha_task_names(task.details, name)) matched.push_back(name);
      }
    }
    for (const std::string& name : matched) {
      auto [it, inserted] = found.emplace(name, *task.done_us);
      if (!inserted) it->second = std::max(it->second, *task.done_us);
    }
  }
  return found;
}

}  // namespace

bool OvhNashaProvider::history_is_fresh(const ServiceMemo& memo) {
  return memo.have_history && std::chrono::steady_clock::now() - memo.history_at <= kHistoryBurst;
}

OvhNashaProvider::LearnPlan OvhNashaProvider::plan_learning(const std::string& service,
                                                            const std::string& partition,
                                                            const std::vector<std::string>& names) {
  LearnPlan plan;
  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[service];
  std::set<std::string> own_keys;
  std::unordered_set<std::string> listed(names.begin(), names.end());
  for (const auto& [id, k] : memo.own_creates) {
    own_keys.insert(k);
    if (k.rfind(partition + "\n", 0) == 0 && listed.count(k.substr(partition.size() + 1))) {
      plan.own.push_back(id);
    }
  }
  for (const std::string& name : names) {
    const std::string k = key(partition, name);
    if (!memo.created_us.count(digest(k)) && !memo.checked.count(digest(k)) && !own_keys.count(k)) {
      plan.unknown.push_back(name);
    }
  }
  plan.fetch_history = !plan.unknown.empty() && !history_is_fresh(memo);
  return plan;
}

std::vector<std::optional<NashaTask>> OvhNashaProvider::fetch_own_tasks(
    const std::string& service, const std::vector<std::int64_t>& ids, const OpContext& ctx) {
  std::vector<std::optional<NashaTask>> tasks(ids.size());
  ovh_parallel_for(ids.size(), OvhClient::kParallelGets, [&](std::size_t i) {
    rapidjson::Document doc;
    if (client_.call_json("GET", task_path(service) + "/" + std::to_string(ids[i]), "", ctx, &doc)
            .ok()) {
      tasks[i] = parse_nasha_task(doc);
    }
  });
  return tasks;
}

std::unique_lock<std::mutex> OvhNashaProvider::lock_history(const std::string& service) {
  std::shared_ptr<std::mutex> history_mu;
  {
    MutexLock lock(mu_);
    auto& slot = history_locks_[service];
    if (!slot) slot = std::make_shared<std::mutex>();
    history_mu = slot;
  }
  return std::unique_lock<std::mutex>(*history_mu);
}

std::vector<NashaTask> OvhNashaProvider::fetch_create_history(const std::string& service,
                                                              const OpContext& ctx) {
  std::vector<NashaTask> history;
  auto list = client_.list_objects(task_path(service), std::string("operation=") + kCreateOperation,
                                   ctx, kTaskMaxAge);
  if (list.ok()) {
    for_each_object(list->objects, "the task history of " + service,
                    [&](const rapidjson::Value& o) {
                      if (auto t = parse_nasha_task(o)) history.push_back(std::move(*t));
                    });
  } else {
    log_debug("remote '" + client_.remote_name() + "': task history of " + service +
              " unavailable: " + list.error().message);
  }
  return history;
}

void OvhNashaProvider::record_own_tasks(ServiceMemo& memo,
                                        const std::vector<std::optional<NashaTask>>& tasks) {
  for (const auto& task : tasks) {
    if (!task || !task->finished()) continue;
    auto it = memo.own_creates.find(task->id);
    if (it == memo.own_creates.end()) continue;
    if (task->status == "done" && task->done_us)
      memo.created_us[digest(it->second)] = *task->done_us;
    memo.own_creates.erase(it);
  }
}

void OvhNashaProvider::date_from_history(ServiceMemo& memo, const std::string& partition,
                                         const std::vector<std::string>& unknown) {
  const std::unordered_map<std::string, std::int64_t> found =
      latest_done_dates(memo.history, partition, unknown);
  for (const std::string& name : unknown) {
    const std::string k = key(partition, name);
    auto it = found.find(name);
    if (it != found.end()) {
      memo.created_us[digest(k)] = it->second;
    } else {
      memo.checked.insert(digest(k));
    }
  }
}

void OvhNashaProvider::learn_creation_times(const std::string& service,
                                            const std::string& partition,
                                            const std::vector<std::string>& names,
                                            const OpContext& ctx) {
  LearnPlan plan = plan_learning(service, partition, names);
  // Our own creates: their task tells the doneDate directly.
  const std::vector<std::optional<NashaTask>> own_tasks = fetch_own_tasks(service, plan.own, ctx);
  if (plan.fetch_history) refresh_history(service, ctx);

  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[service];
  record_own_tasks(memo, own_tasks);
  if (plan.unknown.empty() || !memo.have_history) return;
  date_from_history(memo, partition, plan.unknown);
}

void OvhNashaProvider::refresh_history(const std::string& service, const OpContext& ctx) {
  // Partitions of one service are listed in parallel (prefetch), and the partition listing reads
  // the history too: one of them fetches it, the others wait for it and use it. Lock order: the
  // service's history lock, then mu_ (taken briefly inside it, never the other way round).
  std::unique_lock<std::mutex> history_lock = lock_history(service);
  {
    MutexLock lock(mu_);
    if (history_is_fresh(memo_[service])) return;
  }
  std::vector<NashaTask> history = fetch_create_history(service, ctx);
  MutexLock lock(mu_);
  ServiceMemo& memo = memo_[service];
  memo.history = std::move(history);
  memo.history_at = std::chrono::steady_clock::now();
  memo.have_history = true;
}

std::optional<NashaTask> OvhNashaProvider::pending_task(const ObjectRef& partition,
                                                        const char* operation,
                                                        const std::string& name,
                                                        const OpContext& ctx) {
  auto tasks = client_.list_objects(task_path(partition.service_id),
                                    std::string("operation=") + operation, ctx, {});
  if (!tasks.ok()) return std::nullopt;
  std::optional<NashaTask> pending;
  for_each_object(tasks->objects, "the task history", [&](const rapidjson::Value& o) {
    auto t = parse_nasha_task(o);
    if (t && !t->finished() && t->partition == partition.volume_id &&
        nasha_task_names(t->details, name)) {
      pending = t;
    }
  });
  return pending;
}

}  // namespace snapfs
