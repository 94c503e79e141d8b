// The XML and JSON readers against the answers printed in the NAVER documentation (the seed page
// of createNasVolumeSnapshot, the examples of specs/naver-api.md) and the error bodies.
#include <gtest/gtest.h>

#include "providers/common/json_util.h"
#include "providers/common/time_util.h"
#include "providers/naver/naver_response.h"

namespace snapfs {
namespace {

// The response example of the createNasVolumeSnapshot page (seed 003), as printed.
constexpr const char* kSeedCreateXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<createNasVolumeSnapshotResponse>
<requestId></requestId>
<returnCode>0</returnCode>
<returnMessage>success</returnMessage>
<totalRows>2</totalRows>
<nasVolumeSnapshotList>
<nasVolumeSnapshot>
<nasVolumeSnapshotName>now.20240403.164347</nasVolumeSnapshotName>
<createDate>2024-04-03T16:43:47+0900</createDate>
<snapshotSize>0</snapshotSize>
<isBusy>false</isBusy>
</nasVolumeSnapshot>
<nasVolumeSnapshot>
<nasVolumeSnapshotName>now.20240403.164335</nasVolumeSnapshotName>
<createDate>2024-04-03T16:43:35+0900</createDate>
<snapshotSize>147456</snapshotSize>
<isBusy>false</isBusy>
</nasVolumeSnapshot>
</nasVolumeSnapshotList>
</createNasVolumeSnapshotResponse>)";

// The same list in the JSON form (specs/naver-api.md 3.2/4.3).
constexpr const char* kSeedCreateJson =
    R"({"createNasVolumeSnapshotResponse": {"requestId": "", "returnCode": "0", )"
    R"("returnMessage": "success", "totalRows": 2, "nasVolumeSnapshotList": [)"
    R"({"nasVolumeSnapshotName": "now.20240403.164347", "createDate": "2024-04-03T16:43:47+0900", )"
    R"("snapshotSize": 0, "isBusy": false}, )"
    R"({"nasVolumeSnapshotName": "now.20240403.164335", "createDate": "2024-04-03T16:43:35+0900", )"
    R"("snapshotSize": 147456, "isBusy": false}]}})";

constexpr const char* kSpecSnapshotListJson =
    R"({"getNasVolumeSnapshotListResponse": {"requestId": "r", "returnCode": "0", "returnMessage": )"
    R"("success", "totalRows": 1, "nasVolumeSnapshotList": [{"nasVolumeSnapshotName": )"
    R"("now.20240403.132209", "createDate": "2024-04-03T13:22:09+0900", "snapshotSize": 196608, )"
    R"("isBusy": false}]}})";

// specs/naver-api.md 4.1, Classic getNasVolumeInstanceList (NCP SDK test body).
constexpr const char* kSpecClassicVolumeXml = R"(<getNasVolumeInstanceListResponse>
    <requestId>58574752-49cb-411f-8710-e0fc6c28b8a7</requestId>
    <returnCode>0</returnCode>
    <returnMessage>success</returnMessage>
    <totalRows>1</totalRows>
    <nasVolumeInstanceList>
        <nasVolumeInstance>
            <nasVolumeInstanceNo>397767</nasVolumeInstanceNo>
            <nasVolumeInstanceStatus><code>CREAT</code><codeName>NAS create</codeName></nasVolumeInstanceStatus>
            <nasVolumeInstanceOperation><code>NULL</code><codeName>NAS NULL OP</codeName></nasVolumeInstanceOperation>
            <nasVolumeInstanceStatusName>created</nasVolumeInstanceStatusName>
            <createDate>2018-02-27T13:13:05+0900</createDate>
            <nasVolumeInstanceDescription />
            <mountInformation>10.105.84.82:/n000212_penguin</mountInformation>
            <volumeAllotmentProtocolType><code>NFS</code><codeName>NFS</codeName></volumeAllotmentProtocolType>
            <volumeName>n000212_penguin</volumeName>
            <volumeTotalSize>536870912000</volumeTotalSize>
            <volumeSize>536870912000</volumeSize>
            <snapshotVolumeConfigurationRatio>0.0</snapshotVolumeConfigurationRatio>
            <snapshotVolumeSize>0</snapshotVolumeSize>
            <isSnapshotConfiguration>false</isSnapshotConfiguration>
            <isEventConfiguration>false</isEventConfiguration>
            <region><regionNo>1</regionNo><regionCode>KR</regionCode><regionName>Korea</regionName></region>
            <zone><zoneNo>2</zoneNo><zoneName>KR-1</zoneName><zoneCode>KR-1</zoneCode><zoneDescription>KR-1 zone</zoneDescription><regionNo>1</regionNo></zone>
            <nasVolumeInstanceCustomIpList />
            <nasVolumeServerInstanceList />
        </nasVolumeInstance>
    </nasVolumeInstanceList>
</getNasVolumeInstanceListResponse>)";

// specs/naver-api.md 4.1, VPC JSON (constructed there from the SDK models).
constexpr const char* kSpecVpcVolumeJson =
    R"({"getNasVolumeInstanceListResponse": {"totalRows": 1, "nasVolumeInstanceList": [{)"
    R"("nasVolumeInstanceNo": "23380000",)"
    R"("nasVolumeInstanceStatus": {"code": "CREAT", "codeName": "NAS create"},)"
    R"("nasVolumeInstanceOperation": {"code": "NULL", "codeName": "NAS NULL OP"},)"
    R"("nasVolumeInstanceStatusName": "created", "createDate": "2024-04-03T13:00:00+0900",)"
    R"("nasVolumeDescription": "", "mountInformation": "169.254.0.10:/n1234567_vol",)"
    R"("volumeAllotmentProtocolType": {"code": "NFS", "codeName": "NFS"}, "volumeName": "n1234567_vol",)"
    R"("volumeTotalSize": 536870912000, "volumeSize": 483183820800,)"
    R"("snapshotVolumeConfigurationRatio": 10.0,)"
    R"("snapshotVolumeConfigPeriodType": {"code": "WEEK", "codeName": "x"},)"
    R"("snapshotVolumeConfigDayOfWeekType": {"code": "6", "codeName": "x"}, "snapshotVolumeConfigTime": 0,)"
    R"("snapshotVolumeSize": 53687091200, "isSnapshotConfiguration": true, "isEventConfiguration": false,)"
    R"("regionCode": "KR", "zoneCode": "KR-2", "nasVolumeServerInstanceNoList": [],)"
    R"("isEncryptedVolume": false, "nasVolumeInstanceCustomIpList": [], "isReturnProtection": false}],)"
    R"("requestId": "x", "returnCode": "0", "returnMessage": "success"}})";

// specs/naver-api.md 4.8 (CLI page, values masked by NCP).
constexpr const char* kSpecHistoryXml = R"(<getNasVolumeSnapshotConfigurationHistoryListResponse>
  <requestId></requestId>
  <returnCode>0</returnCode>
  <returnMessage>success</returnMessage>
  <totalRows>1</totalRows>
  <nasVolumeSnapshotConfigurationHistoryList>
    <nasVolumeSnapshotConfigurationHistory>
      <nasVolumeInstanceNo>***3901</nasVolumeInstanceNo>
      <historySequenceNo>***412</historySequenceNo>
      <historyType><code>CREAT</code><codeName>Create</codeName></historyType>
      <ip>***.***.0.1</ip>
      <registerDate>2021-09-16T00:00:00+0900</registerDate>
      <snapshotVolumeConfigurationRatio>10.0</snapshotVolumeConfigurationRatio>
      <snapshotVolumeConfigPeriodType><code>DAY</code><codeName>Daily</codeName></snapshotVolumeConfigPeriodType>
    </nasVolumeSnapshotConfigurationHistory>
  </nasVolumeSnapshotConfigurationHistoryList>
</getNasVolumeSnapshotConfigurationHistoryListResponse>)";

rapidjson::Document success(const std::string& body) {
  auto parsed = parse_naver_success(body);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  rapidjson::Document doc;
  if (parsed.ok()) doc.Swap(parsed.value());
  return doc;
}

void expect_seed_snapshots(const std::vector<NasSnapshotItem>& items) {
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].name, "now.20240403.164347");
  EXPECT_EQ(items[0].create_date, "2024-04-03T16:43:47+0900");
  EXPECT_EQ(items[0].created_us, 1712130227LL * 1000000);  // 07:43:47 UTC
  ASSERT_TRUE(items[0].size.has_value());
  EXPECT_EQ(*items[0].size, 0u);
  EXPECT_FALSE(items[0].busy);
  EXPECT_EQ(items[1].name, "now.20240403.164335");
  EXPECT_EQ(items[1].created_us, 1712130215LL * 1000000);
  EXPECT_EQ(*items[1].size, 147456u);
}

TEST(NaverParser, SeedCreateAnswerInXml) {
  auto doc = success(kSeedCreateXml);
  EXPECT_EQ(naver_string(doc, "returnCode"), "0");
  EXPECT_EQ(naver_int(doc, "totalRows").value_or(-1), 2);
  expect_seed_snapshots(naver_snapshot_items(doc));
}

TEST(NaverParser, SeedCreateAnswerInJson) {
  auto doc = success(kSeedCreateJson);
  EXPECT_EQ(naver_int(doc, "totalRows").value_or(-1), 2);
  expect_seed_snapshots(naver_snapshot_items(doc));
}

TEST(NaverParser, XmlConvertsToTheJsonOfTheSameAnswer) {
  auto from_xml = naver_snapshot_items(success(kSeedCreateXml));
  auto from_json = naver_snapshot_items(success(kSeedCreateJson));
  ASSERT_EQ(from_xml.size(), from_json.size());
  for (std::size_t i = 0; i < from_xml.size(); ++i) EXPECT_EQ(from_xml[i].json, from_json[i].json);
  EXPECT_EQ(
      from_xml[1].json,
      R"({"nasVolumeSnapshotName":"now.20240403.164335","createDate":"2024-04-03T16:43:35+0900",)"
      R"("snapshotSize":147456,"isBusy":false})");
}

TEST(NaverParser, SpecSnapshotListJson) {
  auto items = naver_snapshot_items(success(kSpecSnapshotListJson));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].name, "now.20240403.132209");
  EXPECT_EQ(*items[0].size, 196608u);
  EXPECT_EQ(items[0].created_us, *parse_rfc3339_us("2024-04-03T04:22:09Z"));
}

TEST(NaverParser, BusyFlagInBothFormats) {
  auto xml = naver_snapshot_items(success(
      "<getNasVolumeSnapshotListResponse><returnCode>0</returnCode><nasVolumeSnapshotList>"
      "<nasVolumeSnapshot><nasVolumeSnapshotName>now.20240101.000000</nasVolumeSnapshotName>"
      "<isBusy>true</isBusy></nasVolumeSnapshot></nasVolumeSnapshotList>"
      "</getNasVolumeSnapshotListResponse>"));
  ASSERT_EQ(xml.size(), 1u);
  EXPECT_TRUE(xml[0].busy);
  EXPECT_FALSE(xml[0].size.has_value());
  auto json = naver_snapshot_items(success(
      R"({"getNasVolumeSnapshotListResponse": {"returnCode": "0", "nasVolumeSnapshotList": )"
      R"([{"nasVolumeSnapshotName": "now.20240101.000000", "isBusy": true}]}})"));
  ASSERT_EQ(json.size(), 1u);
  EXPECT_TRUE(json[0].busy);
}

TEST(NaverParser, EmptyListsInXml) {
  auto doc = success(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<getNasVolumeSnapshotListResponse>"
      "<requestId/><returnCode>0</returnCode><returnMessage>success</returnMessage>"
      "<totalRows>0</totalRows><nasVolumeSnapshotList/></getNasVolumeSnapshotListResponse>");
  ASSERT_NE(json_array(doc, "nasVolumeSnapshotList"), nullptr);
  EXPECT_TRUE(naver_snapshot_items(doc).empty());
  EXPECT_EQ(naver_string(doc, "requestId"), "");
}

TEST(NaverParser, ClassicVolumeXmlFromTheSpec) {
  auto doc = success(kSpecClassicVolumeXml);
  auto volumes = naver_volume_items(doc);
  ASSERT_EQ(volumes.size(), 1u);
  const NasVolumeItem& v = volumes[0];
  EXPECT_EQ(v.instance_no, "397767");
  EXPECT_EQ(v.name, "n000212_penguin");
  EXPECT_EQ(v.description, "");
  EXPECT_EQ(v.status_code, "CREAT");
  EXPECT_EQ(v.created_us, *parse_rfc3339_us("2018-02-27T04:13:05Z"));
  EXPECT_EQ(v.mount, "10.105.84.82:/n000212_penguin");
  EXPECT_EQ(v.protocol, "NFS");
  EXPECT_EQ(v.region_code, "KR");
  EXPECT_EQ(v.zone_code, "KR-1");
  EXPECT_EQ(*v.total_size, 536870912000u);
  EXPECT_EQ(*v.snapshot_capacity, 0u);
  EXPECT_EQ(v.ratio, 0.0);
  EXPECT_FALSE(v.snapshot_configured);
  EXPECT_EQ(v.day_code, "");
  EXPECT_FALSE(v.hour.has_value());
  // The converted item keeps the JSON types of the same call in JSON.
  rapidjson::Document item;
  ASSERT_TRUE(parse_json(v.json, &item, "item").ok());
  EXPECT_TRUE(item["nasVolumeInstanceNo"].IsString());
  EXPECT_TRUE(item["volumeTotalSize"].IsUint64());
  EXPECT_TRUE(item["snapshotVolumeConfigurationRatio"].IsDouble());
  EXPECT_TRUE(item["isSnapshotConfiguration"].IsBool());
  EXPECT_TRUE(item["nasVolumeInstanceCustomIpList"].IsArray());
  EXPECT_EQ(item["nasVolumeInstanceStatus"]["codeName"], "NAS create");
  EXPECT_EQ(item["region"]["regionName"], "Korea");
}

TEST(NaverParser, VpcVolumeJsonFromTheSpec) {
  auto volumes = naver_volume_items(success(kSpecVpcVolumeJson));
  ASSERT_EQ(volumes.size(), 1u);
  const NasVolumeItem& v = volumes[0];
  EXPECT_EQ(v.instance_no, "23380000");
  EXPECT_EQ(v.name, "n1234567_vol");
  EXPECT_EQ(v.region_code, "KR");
  EXPECT_EQ(v.zone_code, "KR-2");
  EXPECT_EQ(*v.total_size, 536870912000u);
  EXPECT_EQ(*v.size, 483183820800u);
  EXPECT_EQ(*v.snapshot_capacity, 53687091200u);
  EXPECT_DOUBLE_EQ(v.ratio, 10.0);
  EXPECT_EQ(v.period_code, "WEEK");
  EXPECT_EQ(v.day_code, "6");
  EXPECT_EQ(v.hour.value_or(-1), 0);
  EXPECT_TRUE(v.snapshot_configured);
}

TEST(NaverParser, HistoryXmlFromTheSpec) {
  auto doc = success(kSpecHistoryXml);
  const rapidjson::Value* list = json_array(doc, "nasVolumeSnapshotConfigurationHistoryList");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->Size(), 1u);
  const rapidjson::Value& h = (*list)[0];
  EXPECT_EQ(naver_code(h, "historyType"), "CREAT");
  EXPECT_EQ(naver_string(h, "historySequenceNo"), "***412");
  EXPECT_DOUBLE_EQ(naver_double(h, "snapshotVolumeConfigurationRatio").value_or(-1), 10.0);
  EXPECT_EQ(naver_code(h, "snapshotVolumeConfigPeriodType"), "DAY");
}

TEST(NaverParser, RegionList) {
  auto regions = naver_region_items(success(
      "<getRegionListResponse><returnCode>0</returnCode><totalRows>2</totalRows><regionList>"
      "<region><regionNo>1</regionNo><regionCode>KR</regionCode><regionName>Korea</regionName></"
      "region>"
      "<region><regionNo>7</regionNo><regionCode>JPN</regionCode><regionName>Japan</regionName></"
      "region>"
      "</regionList></getRegionListResponse>"));
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[1].code, "JPN");
  EXPECT_EQ(regions[1].no, "7");
  EXPECT_EQ(regions[1].name, "Japan");
}

TEST(NaverParser, TolerantFieldAccess) {
  rapidjson::Document doc;
  doc.Parse(R"({"a": "12", "b": 12, "c": "true", "d": true, "e": "x", "f": {"code": "WEEK"}})");
  EXPECT_EQ(naver_int(doc, "a").value_or(0), 12);
  EXPECT_EQ(naver_int(doc, "b").value_or(0), 12);
  EXPECT_EQ(naver_string(doc, "b"), "12");
  EXPECT_FALSE(naver_int(doc, "e").has_value());
  EXPECT_TRUE(naver_bool(doc, "c"));
  EXPECT_TRUE(naver_bool(doc, "d"));
  EXPECT_FALSE(naver_bool(doc, "missing"));
  EXPECT_EQ(naver_code(doc, "f"), "WEEK");
  EXPECT_EQ(naver_code(doc, "e"), "x");
}

// Found by fuzz_naver_response: a row count of 1e101 was cast to an int64 (undefined behaviour).
TEST(NaverParser, NumbersOutOfRangeAreAbsent) {
  rapidjson::Document doc;
  doc.Parse(R"({"totalRows": 1.07374e+101, "neg": -1e30, "whole": 3.0, "ratio": "nan",
               "big": "1e999", "r": 12.5})");
  EXPECT_FALSE(naver_int(doc, "totalRows").has_value());
  EXPECT_FALSE(naver_int(doc, "neg").has_value());
  EXPECT_EQ(naver_int(doc, "whole").value_or(0), 3);
  EXPECT_FALSE(naver_double(doc, "ratio").has_value());
  EXPECT_FALSE(naver_double(doc, "big").has_value());
  EXPECT_EQ(naver_double(doc, "r").value_or(0), 12.5);

  auto list = parse_naver_success(
      R"({"getNasVolumeSnapshotListResponse": {"returnCode": "0", "totalRows": 1e101,
          "nasVolumeSnapshotList": []}})");
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(naver_snapshot_items(list.value()).empty());
}

// ---- errors ----------------------------------------------------------------------------------

const std::string kFix = "check access_key/secret_key";

TEST(NaverErrors, XmlResponseErrorUnknownInstance) {
  Error e =
      naver_error(400,
                  "<responseError>\n    <returnCode>24109</returnCode>\n    <returnMessage>The "
                  "input parameter instance number is invalid.</returnMessage>\n</responseError>",
                  "nas", kFix);
  EXPECT_EQ(e.kind, ErrorKind::NotFound);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_NE(e.message.find("24109"), std::string::npos);
  EXPECT_NE(e.message.find("instance number is invalid"), std::string::npos);
}

TEST(NaverErrors, JsonResponseErrorInProgress) {
  Error e = naver_error(
      400,
      R"({"responseError": {"returnCode": "1007009", "returnMessage": "If the Acg )"
      R"(settings are being changed, you cannot change other settings at the same time."}})",
      "nas", kFix);
  EXPECT_EQ(e.kind, ErrorKind::Busy);
}

TEST(NaverErrors, GatewayAuthenticationFailureNamesRemoteAndFix) {
  Error e = naver_error(401, R"({"error":{"errorCode":"200","message":"Authentication Failed"}})",
                        "mynas", kFix);
  EXPECT_EQ(e.kind, ErrorKind::AccessDenied);
  EXPECT_EQ(e.http_status, 401);
  EXPECT_NE(e.message.find("mynas"), std::string::npos);
  EXPECT_NE(e.message.find(kFix), std::string::npos);
  EXPECT_NE(e.message.find("Authentication Failed"), std::string::npos);
}

TEST(NaverErrors, GatewayErrorInXmlForm) {
  Error e = naver_error(401,
                        "<Message><error><errorCode>200</errorCode><message>Authentication "
                        "Failed</message></error></Message>",
                        "nas", kFix);
  EXPECT_EQ(e.kind, ErrorKind::AccessDenied);
  Error permission = naver_error(
      401, R"({"error":{"errorCode":"210","message":"Permission Denied"}})", "nas", kFix);
  EXPECT_EQ(permission.kind, ErrorKind::AccessDenied);
}

TEST(NaverErrors, GatewayThrottlingAndRouting) {
  EXPECT_EQ(
      naver_error(429, R"({"error":{"errorCode":"420","message":"Rate Limited"}})", "n", kFix).kind,
      ErrorKind::RateLimited);
  EXPECT_EQ(naver_error(404, R"({"error":{"errorCode":"300","message":"Not Found Exception"}})",
                        "n", kFix)
                .kind,
            ErrorKind::Unavailable);
  EXPECT_EQ(naver_error(503, "", "n", kFix).kind, ErrorKind::Unavailable);
  EXPECT_EQ(naver_error(504, "<html>gateway</html>", "n", kFix).kind, ErrorKind::Timeout);
}

TEST(NaverErrors, CapacityProblemsAreQuota) {
  EXPECT_EQ(
      naver_error(400,
                  R"({"responseError": {"returnCode": "35104", "returnMessage": "The snapshot )"
                  R"(capacity of the NAS volume is exceeded."}})",
                  "n", kFix)
          .kind,
      ErrorKind::QuotaExceeded);
  EXPECT_EQ(
      naver_error(
          400,
          R"({"responseError": {"returnCode": "35103", "returnMessage": "Snapshot is not available."}})",
          "n", kFix)
          .kind,
      ErrorKind::QuotaExceeded);
  // An undocumented code whose message speaks of capacity.
  EXPECT_EQ(
      naver_return_code_kind("99999", "Snapshot Capacity exceeded", ErrorKind::InvalidArgument),
      ErrorKind::QuotaExceeded);
  EXPECT_EQ(naver_return_code_kind("99999", "other", ErrorKind::InvalidArgument),
            ErrorKind::InvalidArgument);
}

TEST(NaverErrors, EmulatorCodes) {
  EXPECT_EQ(naver_return_code_kind("35101", "", ErrorKind::Internal), ErrorKind::NotFound);
  EXPECT_EQ(naver_return_code_kind("35102", "", ErrorKind::Internal), ErrorKind::Busy);
  EXPECT_EQ(naver_return_code_kind("35105", "", ErrorKind::Internal), ErrorKind::InvalidArgument);
  EXPECT_EQ(naver_return_code_kind("25013", "", ErrorKind::Internal), ErrorKind::Busy);
}

TEST(NaverErrors, NonZeroReturnCodeInA200Answer) {
  auto r = parse_naver_success(
      "<getNasVolumeSnapshotListResponse><returnCode>24109</returnCode><returnMessage>bad"
      "</returnMessage></getNasVolumeSnapshotListResponse>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::NotFound);
}

TEST(NaverErrors, ResponseErrorInA200Answer) {
  auto r =
      parse_naver_success(R"({"responseError": {"returnCode": "35102", "returnMessage": "busy"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::Busy);
}

TEST(NaverErrors, MalformedBodies) {
  auto xml = parse_naver_success(
      "<?xml version=\"1.0\"?>\n<getNasVolumeSnapshotListResponse><returnCode>0</retu");
  ASSERT_FALSE(xml.ok());
  EXPECT_EQ(xml.error().kind, ErrorKind::BadResponse);
  auto json = parse_naver_success("{\"truncated\": [1, 2,");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.error().kind, ErrorKind::BadResponse);
  auto no_envelope = parse_naver_success(R"({"something": 1})");
  ASSERT_FALSE(no_envelope.ok());
  EXPECT_EQ(no_envelope.error().kind, ErrorKind::BadResponse);
  auto wrong_root = parse_naver_success("<html><body>hi</body></html>");
  ASSERT_FALSE(wrong_root.ok());
  EXPECT_EQ(wrong_root.error().kind, ErrorKind::BadResponse);
}

}  // namespace
}  // namespace snapfs
