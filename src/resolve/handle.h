// Handle and URL helpers: what kind of handle this is and which URL to ask.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tfhub::resolvers {

// "http://" or "https://" prefix, case-sensitive (as tensorflow_hub: a
// handle in capitals goes to path resolution).
bool IsHttpUrl(std::string_view handle);

// Ends in ".tar", ".tar.gz" or ".tgz" (case-sensitive).
bool IsTarArchiveName(std::string_view handle);

// Appends "tf-hub-format=<format>" to the URL's query ("?" or "&"), before
// any "#fragment" (which is dropped: it is never sent). Existing parameters,
// an existing tf-hub-format included, are kept as they are.
std::string AppendFormatQuery(std::string_view url, std::string_view format);

// For https://hub.tensorflow.google.cn/<path>: the direct archive URL
// https://gcs.tensorflow.google.cn/tfhub-modules/<path>.tar.gz (no query).
std::optional<std::string> ChinaMirrorArchiveUrl(std::string_view handle);

}  // namespace tfhub::resolvers
