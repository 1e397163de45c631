// gcs::GcsPath — a gs:// URI split into bucket and object name, and the
// percent-encoding the JSON API wants for both.
#pragma once

#include <string>
#include <string_view>

#include "tfhub/result.h"

namespace tfhub::gcs {

struct GcsPath {
  std::string bucket;
  std::string object;  // "" for the bucket itself; never starts with '/'

  // "gs://bucket/object".
  std::string Uri() const;
};

// Parses "gs://bucket[/object]". InvalidArgument naming the URI when the
// scheme is not gs:// or the bucket name is empty or has a '/'-less shape
// Cloud Storage refuses (not 3..222 characters of [a-z0-9._-]).
Result<GcsPath> ParseGcsPath(std::string_view uri);

// Percent-encodes everything but RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~): object names in URL paths and query values.
std::string UrlEncode(std::string_view s);

// "dir" -> "dir/", "" -> "", "dir/" -> "dir/": the prefix under which a
// directory's objects live.
std::string DirPrefix(std::string_view object);

}  // namespace tfhub::gcs
