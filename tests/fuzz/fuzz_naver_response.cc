// NAVER Cloud NAS answers in XML or JSON: success bodies, the items read from them, and error
// bodies.
#include <cstddef>
#include <cstdint>

#include "providers/naver/naver_response.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace snapfs;
  const std::string body = fuzz::as_string(data, size);

  for (int status : fuzz::kErrorStatuses) {
    Error error = naver_error(status, body, "fuzz", "check the keys");
    (void)error;
  }
  (void)naver_return_code_kind(body, body, ErrorKind::Internal);

  std::string root_name;
  (void)naver_xml_to_json(body, &root_name);

  auto success = parse_naver_success(body);
  if (!success.ok()) return 0;
  const rapidjson::Document& doc = success.value();
  (void)naver_snapshot_items(doc);
  (void)naver_volume_items(doc);
  (void)naver_region_items(doc);
  fuzz::for_each_object(doc, [](const rapidjson::Value& object) {
    (void)naver_string(object, "returnCode");
    (void)naver_int(object, "totalRows");
    (void)naver_double(object, "snapshotVolumeConfigurationRatio");
    (void)naver_bool(object, "isEventConfiguration");
    (void)naver_code(object, "nasVolumeInstanceStatus");
  });
  return 0;
}
