#include "tfhub/file_system.h"

#include <algorithm>
#include <cctype>
#include <future>

#include "io/subtree_file_system.h"

namespace tfhub::io {

namespace {

// The optional methods' default answer (TensorFlow's words).
Status NotSupported(std::string_view method, const std::string& path) {
  return UnimplementedError("Filesystem for '" + path + "' does not support " + std::string(method) + "()");
}

}  // namespace

Result<std::vector<std::string>> FileSystem::ListDir(const std::string& path) {
  return NotSupported("ListDir", path);
}
Status FileSystem::CreateDirs(const std::string& path) { return NotSupported("CreateDirs", path); }
Status FileSystem::DeleteFile(const std::string& path) { return NotSupported("DeleteFile", path); }
Status FileSystem::DeleteRecursively(const std::string& path) { return NotSupported("DeleteRecursively", path); }
Status FileSystem::RenameNoReplace(const std::string& from, const std::string&) {
  return NotSupported("RenameNoReplace", from);
}
Status FileSystem::Rename(const std::string& from, const std::string&) { return NotSupported("Rename", from); }
Result<std::unique_ptr<WritableFile>> FileSystem::NewWritableFile(const std::string& path) {
  return NotSupported("NewWritableFile", path);
}
Status FileSystem::CreateExclusive(const std::string& path, std::string_view) {
  return NotSupported("CreateExclusive", path);
}

Status FileSystem::WriteStringToFile(const std::string& path, std::string_view content) {
  TFHUB_ASSIGN_OR_RETURN(auto file, NewWritableFile(path));
  TFHUB_RETURN_IF_ERROR(file->Append(content));
  return file->Close();
}

namespace {

Status WalkTree(FileSystem& fs, const std::string& dir, const std::string& prefix, int depth,
                std::vector<TreeEntry>& out) {
  if (depth > 64) return FailedPreconditionError(dir + ": directories nested more than 64 deep");
  TFHUB_ASSIGN_OR_RETURN(std::vector<std::string> names, fs.ListDir(dir));
  for (const auto& name : names) {
    const std::string path = JoinPath(dir, name);
    auto info = fs.Stat(path);
    if (!info.ok()) return info.status();
    if (info->type == FileType::kFile) out.push_back({prefix + name, info->size});
    if (info->type == FileType::kDirectory) {
      Status s = WalkTree(fs, path, prefix + name + "/", depth + 1, out);
      if (!s.ok() && s.code() != StatusCode::kNotFound) return s;  // NotFound: it vanished
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<TreeEntry>> FileSystem::ListTree(const std::string& dir) {
  std::vector<TreeEntry> out;
  TFHUB_RETURN_IF_ERROR(WalkTree(*this, dir, "", 0, out));
  return out;
}

Status FileSystem::ReadStream(const std::string& path, StreamSink& sink) {
  TFHUB_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  const uint64_t size = file->Size();
  StreamInfo info;
  info.size = size;
  TFHUB_RETURN_IF_ERROR(sink.OnStart(info));
  // Blocks are read one ahead of the one the sink is taking.
  static constexpr size_t kBlock = 16 << 20;
  auto read_block = [&file, size](uint64_t offset, std::string* buffer) -> Status {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, size - offset));
    buffer->resize(n);
    TFHUB_ASSIGN_OR_RETURN(std::string_view got, file->ReadAt(offset, n, buffer->data()));
    if (got.data() != buffer->data()) buffer->assign(got);
    return Status::Ok();
  };
  std::string current, next;
  std::future<Status> pending;
  if (size > 0) pending = std::async(std::launch::async, read_block, uint64_t{0}, &next);
  for (uint64_t offset = 0; offset < size; offset += kBlock) {
    TFHUB_RETURN_IF_ERROR(pending.get());
    std::swap(current, next);
    if (offset + kBlock < size) pending = std::async(std::launch::async, read_block, offset + kBlock, &next);
    if (Status s = sink.OnData(current); !s.ok()) {
      if (pending.valid()) pending.wait();
      return s;
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<FileSystem>> FileSystem::OpenDirectory(const std::string& dir) {
  return std::unique_ptr<FileSystem>(new SubtreeFileSystem(this, dir));
}

Status FileSystem::SetAccessTime(const std::string& path, std::chrono::system_clock::time_point) {
  return NotSupported("SetAccessTime", path);
}

Status CheckRelativePath(std::string_view path) {
  if (path.empty()) return Status::Ok();
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError("'" + std::string(path) + "' is not a relative path beneath the directory (" +
                                std::string(why) + ")");
  };
  if (path.find('\0') != std::string_view::npos) return bad("NUL byte");
  if (path.front() == '/') return bad("absolute");
  size_t start = 0;
  for (;;) {
    const size_t slash = path.find('/', start);
    const std::string_view part = path.substr(start, slash == std::string_view::npos ? path.npos : slash - start);
    if (part.empty()) return bad("empty component");
    if (part == "." || part == "..") return bad("'" + std::string(part) + "' component");
    if (slash == std::string_view::npos) return Status::Ok();
    start = slash + 1;
  }
}

std::string_view UriScheme(std::string_view uri) {
  const auto pos = uri.find("://");
  if (pos == std::string_view::npos || pos == 0) return {};
  if (!std::isalpha(static_cast<unsigned char>(uri[0]))) return {};
  for (size_t i = 1; i < pos; ++i) {
    const auto c = static_cast<unsigned char>(uri[i]);
    if (!std::isalnum(c) && c != '+' && c != '.' && c != '-') return {};
  }
  return uri.substr(0, pos);
}

std::string JoinPath(std::string_view base, std::string_view name) {
  std::string out(base);
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  if (out.empty()) return std::string(name);
  if (out.back() != '/') out += '/';
  out += name;
  return out;
}

void FileSystemRegistry::Register(std::string scheme, std::shared_ptr<FileSystem> fs) {
  for (auto& [s, backend] : backends_) {
    if (s == scheme) {
      backend = std::move(fs);
      return;
    }
  }
  backends_.emplace_back(std::move(scheme), std::move(fs));
}

Result<FileSystem*> FileSystemRegistry::ForUri(std::string_view uri) const {
  const std::string_view scheme = UriScheme(uri);
  for (const auto& [s, backend] : backends_) {
    if (s == scheme) return backend.get();
  }
  return UnimplementedError("File system scheme '" + std::string(scheme) +
                            "' not implemented (file: '" + std::string(uri) + "')");
}

}  // namespace tfhub::io
