#include "fs/stored_snapshot.h"

#include <zlib.h>

#include <cstring>
#include <functional>

#include "fs/interned.h"

namespace snapfs {

namespace {

// The packed buffer is a sequence of fields, each a length (LEB128: one byte below 128) then
// its bytes: id, name (left out when it equals the id, as on HA-NAS and NAVER), description,
// expiration, the content directory, the tag count then each tag, the attribute count then each key
// and value, the JSON (deflated or not, see the flags).
enum Flag : std::uint8_t {
  kHasSize = 1,
  kHasDescription = 2,
  kHasExpiration = 4,
  kHasTags = 8,
  kJsonDeflated = 16,
  kNameIsId = 32,
};

// A JSON object is small; a 4 KiB window holds it and its dictionary, and keeps each thread's
// compressor at a few tens of KiB.
constexpr int kWindowBits = -12;  // raw deflate: no header, no checksum (the bytes never leave)
// Every snapshot of a crawl is deflated on its own, so the fixed cost per call decides: the hash
// table deflateReset clears each time (2 KiB at memLevel 3, not 8 KiB at 5), and the match
// search (level 3: greedy, short chains; level 6's lazy matching saved about one byte a snapshot
// against a sibling's JSON).
constexpr int kLevel = 3;
constexpr int kMemLevel = 3;

void put_u32(std::string* out, std::uint32_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a length written by put_u32 at `*pos`, and moves past it.
std::uint32_t get_u32(const char* data, std::size_t* pos) {
  std::uint32_t v = 0;
  for (int shift = 0;; shift += 7) {
    auto byte = static_cast<unsigned char>(data[(*pos)++]);
    v |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return v;
  }
}

void put_field(std::string* out, std::string_view s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out->append(s);
}

struct Deflater {
  z_stream z{};
  bool ok = false;
  Deflater() {
    ok = deflateInit2(&z, kLevel, Z_DEFLATED, kWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Deflater() {
    if (ok) deflateEnd(&z);
  }
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;
};

struct Inflater {
  z_stream z{};
  bool ok = false;
  Inflater() { ok = inflateInit2(&z, kWindowBits) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

// Deflated `text`, or nothing when zlib fails or the result would not be smaller.
std::optional<std::string> deflate_text(std::string_view text, std::string_view dictionary) {
  thread_local Deflater d;
  if (!d.ok || text.size() > (1u << 30) || dictionary.size() > (1u << 30)) return std::nullopt;
  if (deflateReset(&d.z) != Z_OK) return std::nullopt;
  if (!dictionary.empty() &&
      deflateSetDictionary(&d.z, reinterpret_cast<const Bytef*>(dictionary.data()),
                           static_cast<uInt>(dictionary.size())) != Z_OK) {
    return std::nullopt;
  }
  std::string out(deflateBound(&d.z, static_cast<uLong>(text.size())), '\0');
  d.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  d.z.avail_in = static_cast<uInt>(text.size());
  d.z.next_out = reinterpret_cast<Bytef*>(out.data());
  d.z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&d.z, Z_FINISH) != Z_STREAM_END) return std::nullopt;
  out.resize(d.z.total_out);
  if (out.size() >= text.size()) return std::nullopt;
  return out;
}

std::string inflate_text(std::string_view packed, std::string_view dictionary, std::size_t size) {
  thread_local Inflater i;
  if (!i.ok || inflateReset(&i.z) != Z_OK) return {};
  if (!dictionary.empty() &&
      inflateSetDictionary(&i.z, reinterpret_cast<const Bytef*>(dictionary.data()),
                           static_cast<uInt>(dictionary.size())) != Z_OK) {
    return {};
  }
  std::string out(size, '\0');
  i.z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
  i.z.avail_in = static_cast<uInt>(packed.size());
  i.z.next_out = reinterpret_cast<Bytef*>(out.data());
  i.z.avail_out = static_cast<uInt>(out.size());
  if (inflate(&i.z, Z_FINISH) != Z_STREAM_END || i.z.total_out != size) return {};
  return out;
}

// Reads the packed fields in order.
class FieldReader {
 public:
  explicit FieldReader(const char* data) : data_(data) {}
  std::uint32_t u32() { return get_u32(data_, &pos_); }
  std::string_view field() {
    std::uint32_t n = u32();
    std::string_view s(data_ + pos_, n);
    pos_ += n;
    return s;
  }

 private:
  const char* data_;
  std::size_t pos_ = 0;
};

}  // namespace

StoredSnapshot::StoredSnapshot(const SnapshotInfo& info,
                               std::shared_ptr<const std::string> dictionary)
    : created_us_(info.created_us), size_(info.size.value_or(0)), common_(intern_common(info)) {
  if (info.size) flags_ |= kHasSize;
  if (info.description) flags_ |= kHasDescription;
  if (info.expiration) flags_ |= kHasExpiration;
  if (info.tags) flags_ |= kHasTags;
  std::string packed;
  put_field(&packed, info.id);
  if (info.name == info.id) {
    flags_ |= kNameIsId;
  } else {
    put_field(&packed, info.name);
  }
  put_field(&packed, info.description.value_or(""));
  put_field(&packed, info.expiration.value_or(""));
  put_field(&packed, info.content_dir);
  put_u32(&packed, info.tags ? static_cast<std::uint32_t>(info.tags->size()) : 0);
  if (info.tags) {
    for (const auto& tag : *info.tags) put_field(&packed, tag);
  }
  put_u32(&packed, static_cast<std::uint32_t>(info.attrs.size()));
  for (const Attr& a : info.attrs) {
    put_field(&packed, a.key);
    put_field(&packed, a.value);
  }
  json_size_ = static_cast<std::uint32_t>(info.json.size());
  std::optional<std::string> deflated;
  if (!info.json.empty()) deflated = deflate_text(info.json, dictionary ? *dictionary : "");
  if (deflated) {
    flags_ |= kJsonDeflated;
    dictionary_ = std::move(dictionary);
    put_field(&packed, *deflated);
  } else {
    put_field(&packed, info.json);
  }
  packed_ = std::make_unique<char[]>(packed.size());
  std::memcpy(packed_.get(), packed.data(), packed.size());
}

bool StoredSnapshot::CommonFields::Less::operator()(const CommonFields& a,
                                                    const CommonFields& b) const {
  // The strings are interned, so equal fields are equal pointers.
  std::less<const std::string*> before;
  if (a.volume_id != b.volume_id) return before(a.volume_id, b.volume_id);
  if (a.state != b.state) return before(a.state, b.state);
  return before(a.type, b.type);
}

const StoredSnapshot::CommonFields* StoredSnapshot::intern_common(const SnapshotInfo& info) {
  return &intern_value<CommonFields, CommonFields::Less>(
      {&intern(info.volume_id), &intern(info.state), &intern(info.type)});
}

std::string_view StoredSnapshot::id() const {
  std::size_t pos = 0;
  std::uint32_t n = get_u32(packed_.get(), &pos);
  return {packed_.get() + pos, n};
}

std::string_view StoredSnapshot::name() const {
  std::size_t pos = 0;
  std::uint32_t n = get_u32(packed_.get(), &pos);
  if (flags_ & kNameIsId) return {packed_.get() + pos, n};
  pos += n;
  n = get_u32(packed_.get(), &pos);
  return {packed_.get() + pos, n};
}

std::optional<std::uint64_t> StoredSnapshot::size() const {
  if (flags_ & kHasSize) return size_;
  return std::nullopt;
}

SnapshotInfo StoredSnapshot::expand() const {
  SnapshotInfo info;
  FieldReader in(packed_.get());
  info.id = in.field();
  info.name = (flags_ & kNameIsId) ? info.id : std::string(in.field());
  info.volume_id = volume_id();
  info.created_us = created_us_;
  info.size = size();
  info.state = state();
  info.type = type();
  std::string_view description = in.field();
  if (flags_ & kHasDescription) info.description = std::string(description);
  std::string_view expiration = in.field();
  if (flags_ & kHasExpiration) info.expiration = std::string(expiration);
  info.content_dir = in.field();
  std::uint32_t tags = in.u32();
  if (flags_ & kHasTags) info.tags.emplace();
  for (std::uint32_t i = 0; i < tags; ++i) info.tags->emplace_back(in.field());
  std::uint32_t attrs = in.u32();
  for (std::uint32_t i = 0; i < attrs; ++i) {
    Attr a;
    a.key = in.field();
    a.value = in.field();
    info.attrs.push_back(std::move(a));
  }
  std::string_view json = in.field();
  if (flags_ & kJsonDeflated) {
    info.json = inflate_text(json, dictionary_ ? *dictionary_ : "", json_size_);
  } else {
    info.json = json;
  }
  return info;
}

SnapshotPtr store_snapshot(const SnapshotInfo& info,
                           std::shared_ptr<const std::string> dictionary) {
  return std::make_shared<const StoredSnapshot>(info, std::move(dictionary));
}

std::vector<SnapshotPtr> store_snapshots(std::vector<SnapshotInfo> infos) {
  std::vector<SnapshotPtr> stored;
  stored.reserve(infos.size());
  std::shared_ptr<const std::string> dictionary;
  for (SnapshotInfo& info : infos) {
    if (!dictionary && !info.json.empty()) {
      dictionary = std::make_shared<const std::string>(info.json);
    }
    stored.push_back(store_snapshot(info, dictionary));
    info = SnapshotInfo();  // give its memory back now
  }
  return stored;
}

}  // namespace snapfs
