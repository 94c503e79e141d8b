// Scaleway answers: volume and snapshot objects of both APIs, error bodies, tags values.
#include <cstddef>
#include <cstdint>

#include "providers/common/json_util.h"
#include "providers/scaleway/scaleway_block_provider.h"
#include "providers/scaleway/scaleway_client.h"
#include "providers/scaleway/scaleway_instance_provider.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace snapfs;
  const std::string body = fuzz::as_string(data, size);

  for (int status : fuzz::kErrorStatuses) {
    Error error = scaleway_error(status, body, "fuzz");
    (void)error;
  }
  (void)parse_scaleway_tags(body);
  (void)ScalewayInstanceProvider::map_snapshot_state(body);
  (void)ScalewayBlockProvider::map_snapshot_state(body);

  rapidjson::Document doc;
  if (!parse_json(body, &doc, "fuzz input").ok()) return 0;
  fuzz::for_each_object(doc, [](const rapidjson::Value& object) {
    (void)ScalewayInstanceProvider::parse_volume_object(object);
    (void)ScalewayInstanceProvider::parse_snapshot_object(object);
    (void)ScalewayBlockProvider::parse_volume_object(object);
    (void)ScalewayBlockProvider::parse_snapshot_object(object);
  });
  return 0;
}
