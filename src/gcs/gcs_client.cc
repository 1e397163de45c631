#include "gcs/gcs_client.h"

#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "net/credential_url.h"
#include "net/http_status.h"
#include "net/parallel_get.h"
#include "net/range_read_sink.h"

namespace tfhub::gcs {

namespace {

using Json = nlohmann::json;

uint64_t ToUint(const Json& j) {
  if (j.is_string()) return std::strtoull(j.get<std::string>().c_str(), nullptr, 10);
  if (j.is_number_unsigned() || j.is_number_integer()) return j.get<uint64_t>();
  return 0;
}

ObjectMetadata ParseObject(const Json& j) {
  ObjectMetadata m;
  m.name = j.value("name", "");
  if (j.contains("size")) m.size = ToUint(j["size"]);
  if (j.contains("generation")) m.generation = static_cast<int64_t>(ToUint(j["generation"]));
  m.crc32c = j.value("crc32c", "");
  m.md5 = j.value("md5Hash", "");
  m.content_encoding = j.value("contentEncoding", "");
  return m;
}

Result<Json> ParseJson(std::string_view body, std::string_view what, std::string_view uri) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLossError("Cloud Storage " + std::string(what) + " " + std::string(uri) +
                         ": the answer is not a JSON object");
  }
  return j;
}

std::string Generation(std::optional<int64_t> g) { return g ? "&ifGenerationMatch=" + std::to_string(*g) : ""; }


}  // namespace

std::string EndpointFromEmulatorHost(std::string_view host) {
  std::string e(host);
  while (!e.empty() && e.back() == '/') e.pop_back();
  if (e.find("://") == std::string::npos) e = "http://" + e;
  return e;
}

Status GcsHttpError(std::string_view what, std::string_view uri, const net::HttpResponseHead& head,
                    std::string_view body) {
  std::string detail;
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error")) {
    const Json& e = j["error"];
    if (e.is_object()) detail = e.value("message", "");
    if (e.is_string()) detail = e.get<std::string>();
  }
  std::string msg = "Cloud Storage " + std::string(what) + " " + std::string(uri) + ": HTTP " +
                    std::to_string(head.status) + " " + head.reason + (detail.empty() ? "" : ": " + detail);
  // The one status table (net::HttpErrorStatus), plus 416 for ranged reads.
  const StatusCode code =
      head.status == 416 ? StatusCode::kOutOfRange : net::HttpErrorStatus(head.status, head.reason).code();
  return Status(code, std::move(msg));
}

GcsClient::GcsClient(net::HttpClient* http, std::shared_ptr<Credentials> credentials, GcsClientOptions options)
    : http_(http), credentials_(std::move(credentials)), options_(std::move(options)) {
  while (!options_.endpoint.empty() && options_.endpoint.back() == '/') options_.endpoint.pop_back();
}

std::string GcsClient::ObjectUrl(const GcsPath& path) const {
  return options_.endpoint + "/storage/v1/b/" + UrlEncode(path.bucket) + "/o/" + UrlEncode(path.object);
}

Result<net::HttpRequest> GcsClient::NewRequest(std::string method, std::string url) {
  net::HttpRequest r;
  r.method = std::move(method);
  r.url = std::move(url);
  r.verify_tls = options_.verify_tls;
  r.ca_file = options_.ca_file;
  r.follow_redirects = false;
  r.cancel = options_.cancel;
  r.stall_timeout = options_.stall_timeout;
  if (credentials_) {
    TFHUB_ASSIGN_OR_RETURN(std::string auth, credentials_->AuthorizationHeader(*http_));
    if (!auth.empty()) {
      TFHUB_RETURN_IF_ERROR(net::CheckMaySendCredentials(r.url).WithPrefix(
          "Cloud Storage " + r.method + " with " + credentials_->Describe()));
      r.headers.push_back(std::move(auth));
    }
  }
  return r;
}

Result<ObjectMetadata> GcsClient::GetMetadata(const GcsPath& path) {
  TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("GET", ObjectUrl(path)));
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
  if (resp.head.status != 200) return GcsHttpError("stat", path.Uri(), resp.head, resp.body);
  TFHUB_ASSIGN_OR_RETURN(Json j, ParseJson(resp.body, "stat", path.Uri()));
  return ParseObject(j);
}

Result<ListResult> GcsClient::List(const std::string& bucket, const std::string& prefix, std::string_view delimiter,
                                   size_t max_results) {
  ListResult out;
  std::string page_token;
  const std::string uri = "gs://" + bucket + "/" + prefix;
  for (;;) {
    std::string url = options_.endpoint + "/storage/v1/b/" + UrlEncode(bucket) + "/o?prefix=" + UrlEncode(prefix);
    if (!delimiter.empty()) url += "&delimiter=" + UrlEncode(delimiter);
    if (max_results > 0) url += "&maxResults=" + std::to_string(max_results);
    if (!page_token.empty()) url += "&pageToken=" + UrlEncode(page_token);
    TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("GET", url));
    TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
    if (resp.head.status != 200) return GcsHttpError("list", uri, resp.head, resp.body);
    TFHUB_ASSIGN_OR_RETURN(Json j, ParseJson(resp.body, "list", uri));
    if (j.contains("items") && j["items"].is_array()) {
      for (const Json& item : j["items"]) out.objects.push_back(ParseObject(item));
    }
    if (j.contains("prefixes") && j["prefixes"].is_array()) {
      for (const Json& p : j["prefixes"]) {
        if (p.is_string()) out.prefixes.push_back(p.get<std::string>());
      }
    }
    page_token = j.value("nextPageToken", "");
    if (page_token.empty()) break;
    if (max_results > 0 && out.objects.size() + out.prefixes.size() >= max_results) break;
  }
  return out;
}

Status GcsClient::ReadRange(const GcsPath& path, int64_t generation, uint64_t offset, size_t n, char* dest) {
  if (n == 0) return Status::Ok();
  std::string url = ObjectUrl(path) + "?alt=media";
  if (generation != 0) url += "&generation=" + std::to_string(generation);
  TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("GET", url));
  req.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + n - 1));
  const std::string uri = path.Uri();
  net::RangeReadSink sink("Cloud Storage read " + uri, offset, dest, n);
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponseHead head, http_->Send(req, sink));
  if (head.status != 200 && head.status != 206) return GcsHttpError("read", uri, head, sink.error_body());
  return sink.CheckComplete();
}

Result<net::HttpRequest> GcsClient::MediaRequest(const GcsPath& path, int64_t generation) {
  std::string url = ObjectUrl(path) + "?alt=media";
  if (generation != 0) url += "&generation=" + std::to_string(generation);
  return NewRequest("GET", std::move(url));
}

Status GcsClient::Stream(const GcsPath& path, int64_t generation, io::StreamSink& sink) {
  TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, MediaRequest(path, generation));
  net::StreamBodySink body(&sink);
  // A non-2xx answer is an error already (StreamBodySink); the sink's own
  // errors come back unchanged.
  return http_->Send(req, body).status();
}

Result<std::string> GcsClient::ReadToString(const GcsPath& path, size_t max_bytes) {
  TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("GET", ObjectUrl(path) + "?alt=media"));
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req, max_bytes));
  if (resp.head.status != 200) return GcsHttpError("read", path.Uri(), resp.head, resp.body);
  return std::move(resp.body);
}

Result<ObjectMetadata> GcsClient::Insert(const GcsPath& path, std::string_view data,
                                         std::optional<int64_t> if_generation_match) {
  TFHUB_ASSIGN_OR_RETURN(
      net::HttpRequest req,
      NewRequest("POST", options_.endpoint + "/upload/storage/v1/b/" + UrlEncode(path.bucket) +
                             "/o?uploadType=media&name=" + UrlEncode(path.object) + Generation(if_generation_match)));
  req.headers.push_back("Content-Type: application/octet-stream");
  req.body = std::string(data);
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
  if (resp.head.status == 412 && if_generation_match == 0) {
    return AlreadyExistsError("Cloud Storage object " + path.Uri() + " already exists");
  }
  if (resp.head.status != 200) return GcsHttpError("upload", path.Uri(), resp.head, resp.body);
  TFHUB_ASSIGN_OR_RETURN(Json j, ParseJson(resp.body, "upload", path.Uri()));
  return ParseObject(j);
}

Result<std::string> GcsClient::StartResumableUpload(const GcsPath& path, std::optional<int64_t> if_generation_match) {
  TFHUB_ASSIGN_OR_RETURN(
      net::HttpRequest req,
      NewRequest("POST", options_.endpoint + "/upload/storage/v1/b/" + UrlEncode(path.bucket) +
                             "/o?uploadType=resumable&name=" + UrlEncode(path.object) +
                             Generation(if_generation_match)));
  req.headers.push_back("Content-Type: application/json; charset=UTF-8");
  req.headers.push_back("X-Upload-Content-Type: application/octet-stream");
  req.body = "{}";
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
  if (resp.head.status == 412 && if_generation_match == 0) {
    return AlreadyExistsError("Cloud Storage object " + path.Uri() + " already exists");
  }
  if (resp.head.status != 200 && resp.head.status != 201) {
    return GcsHttpError("start upload", path.Uri(), resp.head, resp.body);
  }
  auto location = resp.head.Header("Location");
  if (!location || location->empty()) {
    return DataLossError("Cloud Storage start upload " + path.Uri() + ": no session URL (Location) in the answer");
  }
  return *location;
}

Result<uint64_t> GcsClient::UploadChunk(const GcsPath& path, const std::string& session, uint64_t offset,
                                        std::string_view data, bool final) {
  TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("PUT", session));
  const uint64_t end = offset + data.size();
  std::string range;
  if (data.empty()) {
    range = "bytes */" + (final ? std::to_string(end) : std::string("*"));
  } else {
    range = "bytes " + std::to_string(offset) + "-" + std::to_string(end - 1) + "/" +
            (final ? std::to_string(end) : std::string("*"));
  }
  req.headers.push_back("Content-Range: " + range);
  req.headers.push_back("Content-Type: application/octet-stream");
  req.body = std::string(data);
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
  if (resp.head.status == 200 || resp.head.status == 201) {
    if (final) return end;
    // Cloud Storage answers 308 until the chunk that names the total size.
    return FailedPreconditionError("Cloud Storage upload " + path.Uri() + ": the service committed the object after " +
                                   std::to_string(end) +
                                   " bytes, before the last chunk was sent (a service that takes every PUT as the "
                                   "last: uploads in several chunks cannot work with it)");
  }
  if (resp.head.status == 308) {
    // "Range: bytes=0-N": N+1 bytes persisted; no Range: none yet.
    auto r = resp.head.Header("Range");
    if (!r) return uint64_t{0};
    const auto dash = r->find('-');
    if (dash == std::string::npos) {
      return DataLossError("Cloud Storage upload " + path.Uri() + ": unreadable Range '" + *r + "' in a 308 answer");
    }
    return std::strtoull(r->c_str() + dash + 1, nullptr, 10) + 1;
  }
  if (resp.head.status == 412) return AlreadyExistsError("Cloud Storage object " + path.Uri() + " already exists");
  return GcsHttpError("upload", path.Uri(), resp.head, resp.body);
}

Result<ObjectMetadata> GcsClient::Compose(const GcsPath& dest, const std::vector<ComposeSource>& sources,
                                          std::optional<int64_t> if_generation_match) {
  if (sources.empty() || sources.size() > 32) {
    return InvalidArgumentError("Cloud Storage compose " + dest.Uri() + ": " + std::to_string(sources.size()) +
                                " sources (1 to 32 allowed)");
  }
  std::string url = ObjectUrl(dest) + "/compose";
  if (if_generation_match) url += "?ifGenerationMatch=" + std::to_string(*if_generation_match);
  TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("POST", url));
  Json body;
  body["destination"] = Json{{"contentType", "application/octet-stream"}};
  Json list = Json::array();
  for (const ComposeSource& s : sources) {
    Json o{{"name", s.name}};
    if (s.generation != 0) o["generation"] = std::to_string(s.generation);
    list.push_back(std::move(o));
  }
  body["sourceObjects"] = std::move(list);
  req.headers.push_back("Content-Type: application/json");
  req.body = body.dump();
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
  if (resp.head.status == 412 && if_generation_match == 0) {
    return AlreadyExistsError("Cloud Storage object " + dest.Uri() + " already exists");
  }
  if (resp.head.status != 200) return GcsHttpError("compose", dest.Uri(), resp.head, resp.body);
  TFHUB_ASSIGN_OR_RETURN(Json j, ParseJson(resp.body, "compose", dest.Uri()));
  return ParseObject(j);
}

Status GcsClient::Delete(const GcsPath& path) {
  TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("DELETE", ObjectUrl(path)));
  TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
  if (resp.head.status == 204 || resp.head.status == 200) return Status::Ok();
  return GcsHttpError("delete", path.Uri(), resp.head, resp.body);
}

Result<ObjectMetadata> GcsClient::Rewrite(const GcsPath& from, const GcsPath& to,
                                          std::optional<int64_t> if_generation_match) {
  std::string token;
  for (int round = 0; round < 10000; ++round) {
    std::string url = ObjectUrl(from) + "/rewriteTo/b/" + UrlEncode(to.bucket) + "/o/" + UrlEncode(to.object) + "?";
    if (if_generation_match) url += "ifGenerationMatch=" + std::to_string(*if_generation_match) + "&";
    if (!token.empty()) url += "rewriteToken=" + UrlEncode(token);
    if (url.back() == '&' || url.back() == '?') url.pop_back();
    TFHUB_ASSIGN_OR_RETURN(net::HttpRequest req, NewRequest("POST", url));
    req.headers.push_back("Content-Type: application/json");
    req.body = "{}";
    TFHUB_ASSIGN_OR_RETURN(net::HttpResponse resp, net::SendForString(*http_, req));
    if (resp.head.status == 412 && if_generation_match == 0) {
      return AlreadyExistsError("Cloud Storage object " + to.Uri() + " already exists");
    }
    if (resp.head.status != 200) return GcsHttpError("copy to " + to.Uri() + " from", from.Uri(), resp.head, resp.body);
    TFHUB_ASSIGN_OR_RETURN(Json j, ParseJson(resp.body, "copy", from.Uri()));
    if (j.value("done", false)) {
      if (j.contains("resource") && j["resource"].is_object()) return ParseObject(j["resource"]);
      return ObjectMetadata{};
    }
    token = j.value("rewriteToken", "");
    if (token.empty()) return DataLossError("Cloud Storage copy " + from.Uri() + ": not done and no rewriteToken");
  }
  return AbortedError("Cloud Storage copy " + from.Uri() + " did not finish");
}

}  // namespace tfhub::gcs
