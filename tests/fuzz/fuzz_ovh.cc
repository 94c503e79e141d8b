// OVH answers: HA-NAS and Enterprise File Storage objects, tasks, usages, snapshot policies,
// error bodies; and the user.snapfs.schedule values of HA-NAS partitions.
#include <cstddef>
#include <cstdint>

#include "providers/common/json_util.h"
#include "providers/ovh/ovh_client.h"
#include "providers/ovh/ovh_objects.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace snapfs;
  const std::string body = fuzz::as_string(data, size);

  for (int status : fuzz::kErrorStatuses) {
    HttpResponse response;
    response.status = status;
    response.headers.push_back({"x-ovh-queryid", "EU.ext-1.fuzz"});
    response.body = body;
    OvhErrorBody parsed = parse_ovh_error(response);
    (void)is_timestamp_refusal(status, parsed);
    Error error = ovh_error(status, parsed, "fuzzing", "fuzz", "the configuration file");
    (void)error;
  }
  auto schedule = parse_nasha_schedule(body);
  if (schedule.ok()) (void)format_nasha_schedule(schedule.value());
  (void)valid_nasha_snapshot_name(body);
  (void)nasha_task_names(body, "snap-1");
  (void)map_netapp_snapshot_status(body);

  rapidjson::Document doc;
  if (!parse_json(body, &doc, "fuzz input").ok()) return 0;
  (void)format_netapp_policy_list(doc);
  fuzz::for_each_object(doc, [](const rapidjson::Value& object) {
    (void)parse_nasha_service(object);
    (void)parse_nasha_partition(object);
    (void)parse_nasha_custom_snapshot(object, "partition");
    (void)parse_nasha_task(object);
    (void)nasha_usage_bytes(object);
    (void)nasha_usage_text(object);
    (void)parse_netapp_service(object);
    (void)parse_netapp_share(object);
    (void)parse_netapp_snapshot(object, "share");
    (void)format_netapp_policy(object);
  });
  return 0;
}
