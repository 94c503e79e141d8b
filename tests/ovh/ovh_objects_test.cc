// Parsing and formatting of OVH objects, and the mapping of OVH error bodies.
#include "providers/ovh/ovh_objects.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "providers/ovh/ovh_client.h"

namespace snapfs {
namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

TEST(OvhNashaObjects, CustomSnapshotExpirationBecomesUtcRfc3339) {
  auto doc = parse(R"({"name":"snap-a","expiration":"2030-01-01T01:00:00+01:00"})");
  SnapshotInfo s = parse_nasha_custom_snapshot(doc, "partition1");
  EXPECT_EQ(s.id, "snap-a");
  EXPECT_EQ(s.name, "snap-a");
  EXPECT_EQ(s.volume_id, "partition1");
  EXPECT_EQ(s.type, "manual");
  EXPECT_EQ(s.expiration, "2030-01-01T00:00:00Z");
  auto none = parse(R"({"name":"snap-b","expiration":null})");
  EXPECT_EQ(parse_nasha_custom_snapshot(none, "p").expiration, "");
}

TEST(OvhNashaObjects, PartitionSizeIsGibibytesAndProtocolAnAttribute) {
  auto doc = parse(R"({"partitionName":"p1","protocol":"NFS_CIFS","size":10,
                       "partitionDescription":null,"partitionCapacity":3,"usedBySnapshots":1})");
  VolumeInfo v = parse_nasha_partition(doc);
  EXPECT_EQ(v.id, "p1");
  EXPECT_EQ(v.size, 10ULL << 30);
  ASSERT_EQ(v.attrs.size(), 1u);
  EXPECT_EQ(v.attrs[0].key, "protocol");
  EXPECT_EQ(v.attrs[0].value, "NFS_CIFS");
}

TEST(OvhNashaObjects, TaskDatesParseWithTheirZone) {
  auto doc = parse(R"({"taskId":42,"status":"done","operation":"clusterLeclercCustomSnapCreate",
      "details":"snap-a","partitionName":"p1","storageName":"zpool-1",
      "todoDate":"2024-06-24T10:00:00+02:00","lastUpdate":"2024-06-24T10:00:05+02:00",
      "doneDate":"2024-06-24T10:00:05+02:00"})");
  auto t = parse_nasha_task(doc);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->id, 42);
  EXPECT_TRUE(t->finished());
  EXPECT_EQ(t->details, "snap-a");
  ASSERT_TRUE(t->done_us.has_value());
  EXPECT_EQ(*t->done_us, 1719216005LL * 1000000);
  auto todo = parse(R"({"taskId":43,"status":"todo","doneDate":null})");
  auto t2 = parse_nasha_task(todo);
  ASSERT_TRUE(t2.has_value());
  EXPECT_FALSE(t2->finished());
  EXPECT_FALSE(t2->done_us.has_value());
  EXPECT_FALSE(parse_nasha_task(parse(R"({"status":"done"})")).has_value());
}

TEST(OvhNashaObjects, TaskDetailsNameASnapshotAsAWholeWord) {
  EXPECT_TRUE(nasha_task_names("snap-a", "snap-a"));
  EXPECT_TRUE(nasha_task_names("create custom snapshot snap-a on p1", "snap-a"));
  EXPECT_TRUE(nasha_task_names("name=\"snap-a\"", "snap-a"));
  EXPECT_FALSE(nasha_task_names("snap-ab", "snap-a"));
  EXPECT_FALSE(nasha_task_names("xsnap-a", "snap-a"));
  EXPECT_FALSE(nasha_task_names("", "snap-a"));
}

TEST(OvhNashaObjects, NamesFollowTheControlPanelRule) {
  EXPECT_TRUE(valid_nasha_snapshot_name("snap-2024-06-24T10:00:00.000Z"));
  EXPECT_TRUE(valid_nasha_snapshot_name("Before.Upgrade-1"));
  EXPECT_FALSE(valid_nasha_snapshot_name(""));
  EXPECT_FALSE(valid_nasha_snapshot_name("with space"));
  EXPECT_FALSE(valid_nasha_snapshot_name("under_score"));
  EXPECT_FALSE(valid_nasha_snapshot_name("a/b"));
  EXPECT_FALSE(valid_nasha_snapshot_name("caf\xc3\xa9"));
}

TEST(OvhNashaObjects, ScheduleValuesParseToEnumOrderAndRejectNonsense) {
  auto ok = parse_nasha_schedule(" hour-6, day-1 ,hour-1\n");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(format_nasha_schedule(*ok), "day-1,hour-1,hour-6");
  auto empty = parse_nasha_schedule("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto dup = parse_nasha_schedule("day-1,day-1");
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->size(), 1u);
  auto unknown = parse_nasha_schedule("day-1,week-1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::InvalidArgument);
  auto too_many = parse_nasha_schedule("hour-1,hour-6,day-1,day-2,day-3");
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().kind, ErrorKind::InvalidArgument);
  EXPECT_TRUE(parse_nasha_schedule("hour-1,hour-6,day-1,day-2").ok());
}

TEST(OvhNashaObjects, ExpirationIsWholeSecondsUtc) {
  EXPECT_EQ(nasha_expiration(1700000000123456LL, 7 * 86400), "2023-11-21T22:13:20Z");
}

TEST(OvhNashaObjects, UsageConvertsKnownUnitsToBytes) {
  EXPECT_EQ(nasha_usage_text(parse(R"({"unit":"GB","value":1.5})")), "1610612736");
  EXPECT_EQ(nasha_usage_text(parse(R"({"unit":"MB","value":2})")), "2097152");
  EXPECT_EQ(nasha_usage_text(parse(R"({"unit":"%","value":12.5})")), "12.5 %");
}

TEST(OvhNashaObjects, UsageOutOfRangeHasNoByteCount) {
  EXPECT_FALSE(nasha_usage_bytes(parse(R"({"unit":"PB","value":1e300})")).has_value());
  EXPECT_FALSE(nasha_usage_bytes(parse(R"({"unit":"B","value":-1})")).has_value());
  EXPECT_EQ(nasha_usage_bytes(parse(R"({"unit":"B","value":7})")).value_or(0), 7u);
}

TEST(OvhNetappObjects, SnapshotFieldsAndStatesMap) {
  auto doc = parse(R"({"id":"d25a555e-6339-48a7-afb4-a5650d763b67","name":"snapshot",
      "description":"My snapshot","createdAt":"2024-07-17T09:58:30Z","status":"restoring",
      "type":"manual","path":"/share_x/.snapshot/s1"})");
  SnapshotInfo s = parse_netapp_snapshot(doc, "share-1");
  EXPECT_EQ(s.id, "d25a555e-6339-48a7-afb4-a5650d763b67");
  EXPECT_EQ(s.volume_id, "share-1");
  EXPECT_EQ(s.created_us, 1721210310LL * 1000000);
  EXPECT_EQ(s.state, "busy");
  EXPECT_EQ(s.type, "manual");
  EXPECT_EQ(s.description, "My snapshot");
  EXPECT_EQ(map_netapp_snapshot_status("error_deleting"), "error");
  EXPECT_EQ(map_netapp_snapshot_status("creating"), "creating");
  EXPECT_EQ(map_netapp_snapshot_status("unknown_word"), "unknown_word");
  auto nulls = parse(R"({"id":"x","name":null,"description":null})");
  SnapshotInfo n = parse_netapp_snapshot(nulls, "s");
  EXPECT_EQ(n.name, "");
  EXPECT_EQ(n.description, "");
}

TEST(OvhNetappObjects, SnapshotDirectoryIsTheLastComponentOfItsPathUnderDotSnapshot) {
  EXPECT_EQ(
      parse_netapp_snapshot(parse(R"({"id":"x","path":"/share_x/.snapshot/s1"})"), "s").content_dir,
      ".snapshot/s1");
  EXPECT_EQ(netapp_snapshot_dir("s1"), ".snapshot/s1");
  EXPECT_EQ(netapp_snapshot_dir("/a/b/daily.2024-07-17_0010/"), ".snapshot/daily.2024-07-17_0010");
  EXPECT_EQ(netapp_snapshot_dir(""), "");
  EXPECT_EQ(netapp_snapshot_dir("/"), "");
  EXPECT_EQ(netapp_snapshot_dir("/a/.."), "");
  EXPECT_EQ(parse_netapp_snapshot(parse(R"({"id":"x","path":null})"), "s").content_dir, "");
}

TEST(OvhNetappObjects, AccessPathIsThePreferredEntryElseTheFirst) {
  EXPECT_EQ(netapp_preferred_access_path(parse(
                R"([{"id":"1","path":"10.0.0.2:/sh","preferred":false},
                    {"id":"2","path":"10.0.0.1:/sh","preferred":true}])")),
            "10.0.0.1:/sh");
  EXPECT_EQ(netapp_preferred_access_path(
                parse(R"([{"id":"1","path":"10.0.0.2:/sh"},{"id":"2","path":"10.0.0.1:/sh"}])")),
            "10.0.0.2:/sh");
  EXPECT_EQ(netapp_preferred_access_path(parse(R"([])")), "");
  EXPECT_EQ(netapp_preferred_access_path(parse(R"({"path":"x:/y"})")), "");
}

TEST(OvhNashaObjects, ExportIsIpServiceAndPartitionAndSnapshotsAreUnderZfs) {
  EXPECT_EQ(nasha_export("10.16.101.42", "zpool-123456", "partition1"),
            "10.16.101.42:/zpool-123456/partition1");
  EXPECT_EQ(
      parse_nasha_custom_snapshot(parse(R"({"name":"snap-a","expiration":null})"), "p").content_dir,
      ".zfs/snapshot/snap-a");
}

TEST(OvhNetappObjects, PolicyFormatsAsNameThenRules) {
  auto doc = parse(R"({"id":"p1","name":"daily-7","rules":[
      {"copies":7,"prefix":"daily","schedule":{"minutes":[0],"hours":[3],"days":null,
       "months":[],"weekdays":null}},
      {"copies":4,"prefix":"weekly","schedule":{"minutes":[0,30],"hours":[4],"weekdays":[0]}}]})");
  EXPECT_EQ(format_netapp_policy(doc),
            "daily-7: copies=7 prefix=daily minutes=0 hours=3; "
            "copies=4 prefix=weekly minutes=0,30 hours=4 weekdays=0");
  auto list = parse(R"([{"id":"p1","name":"hourly-24","rules":[{"copies":24,"prefix":"hourly",
      "schedule":{"minutes":[0]}}]},{"id":"p2","name":null,"rules":[]}])");
  EXPECT_EQ(format_netapp_policy_list(list),
            "hourly-24 (p1): copies=24 prefix=hourly minutes=0\np2\n");
}

HttpResponse response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.push_back({"x-ovh-queryid", "EU.ext-3.63ac85b6.10528.27b4f1fc"});
  return r;
}

TEST(OvhErrors, InvalidSignatureIsAccessDeniedNamingTheFixNotTheSecret) {
  auto body = parse_ovh_error(response(
      400,
      R"({"message":"Invalid signature","httpCode":"400 Bad Request","errorCode":"INVALID_SIGNATURE"})"));
  EXPECT_EQ(body.error_code, "INVALID_SIGNATURE");
  EXPECT_EQ(body.query_id, "EU.ext-3.63ac85b6.10528.27b4f1fc");
  Error e = ovh_error(400, body, "GET /dedicated/nasha", "nas", "application_secret in [nas]");
  EXPECT_EQ(e.kind, ErrorKind::AccessDenied);
  EXPECT_NE(e.message.find("remote 'nas': "), std::string::npos);
  EXPECT_NE(e.message.find("application_secret in [nas]"), std::string::npos);
  EXPECT_NE(e.message.find("OVH_APPLICATION_SECRET"), std::string::npos);
  EXPECT_NE(e.message.find("EU.ext-3.63ac85b6"), std::string::npos);
}

TEST(OvhErrors, StatusAndBodyMapToKinds) {
  auto kind = [](int status, const std::string& body) {
    return ovh_error(status, parse_ovh_error(response(status, body)), "GET /x", "r", "s").kind;
  };
  EXPECT_EQ(kind(404, R"({"class":"Client::NotFound","message":"This service does not exist"})"),
            ErrorKind::NotFound);
  EXPECT_EQ(
      kind(
          403,
          R"({"errorCode":"INVALID_CREDENTIAL","httpCode":"403 Forbidden","message":"This credential is not valid"})"),
      ErrorKind::AccessDenied);
  EXPECT_EQ(
      kind(403, R"({"errorCode":"NOT_GRANTED_CALL","message":"This call has not been granted"})"),
      ErrorKind::AccessDenied);
  EXPECT_EQ(kind(401, R"({"message":"You must login first"})"), ErrorKind::AccessDenied);
  EXPECT_EQ(
      kind(409,
           R"({"class":"Client::Conflict","message":"A custom snapshot named x already exists"})"),
      ErrorKind::AlreadyExists);
  EXPECT_EQ(
      kind(
          400,
          R"({"class":"Client::BadRequest","message":"Maximum number of custom snapshots (10) reached"})"),
      ErrorKind::QuotaExceeded);
  EXPECT_EQ(kind(400, R"({"class":"Client::BadRequest","message":"Invalid name"})"),
            ErrorKind::InvalidArgument);
  EXPECT_EQ(kind(460, R"({"message":"This Service is expired"})"), ErrorKind::AccessDenied);
  EXPECT_EQ(kind(503, "<html>down</html>"), ErrorKind::Unavailable);
}

TEST(OvhErrors, TimestampRefusalIsRecognised) {
  EXPECT_TRUE(is_timestamp_refusal(
      400, parse_ovh_error(
               response(400, R"({"errorCode":"QUERY_TIME_OUT","message":"Query out of time"})"))));
  EXPECT_TRUE(is_timestamp_refusal(
      400, parse_ovh_error(response(400, R"({"message":"Invalid timestamp"})"))));
  EXPECT_FALSE(is_timestamp_refusal(
      400, parse_ovh_error(response(
               400, R"({"errorCode":"INVALID_SIGNATURE","message":"Invalid signature"})"))));
  EXPECT_FALSE(is_timestamp_refusal(
      404, parse_ovh_error(response(404, R"({"message":"Query out of time"})"))));
}

}  // namespace
}  // namespace snapfs
