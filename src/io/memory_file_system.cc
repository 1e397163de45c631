#include "io/memory_file_system.h"

#include <cstring>
#include <iterator>
#include <utility>

#include "io/subtree_file_system.h"

namespace tfhub::io {

namespace {

// The normalized key of `path` (see the header).
Result<std::string> Key(const std::string& path) {
  std::string_view p = path;
  if (const std::string_view scheme = UriScheme(p); !scheme.empty()) p.remove_prefix(scheme.size() + 3);
  std::string key;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string_view::npos) slash = p.size();
    const std::string_view part = p.substr(start, slash - start);
    if (part == "." || part == "..") {
      return InvalidArgumentError("'" + path + "': '" + std::string(part) + "' components are not resolved here");
    }
    if (!part.empty()) {
      if (!key.empty()) key += '/';
      key += part;
    }
    start = slash + 1;
  }
  return key;
}

std::string ParentKey(const std::string& key) {
  const size_t slash = key.rfind('/');
  return slash == std::string::npos ? std::string() : key.substr(0, slash);
}

// The prefix every key below the directory `key` starts with.
std::string ChildPrefix(const std::string& key) { return key.empty() ? key : key + "/"; }

bool IsBelow(const std::string& key, const std::string& dir) {
  return key != dir && key.compare(0, ChildPrefix(dir).size(), ChildPrefix(dir)) == 0;
}

class MemoryRandomAccessFile final : public RandomAccessFile {
 public:
  MemoryRandomAccessFile(std::string path, std::shared_ptr<const std::string> content)
      : path_(std::move(path)), content_(std::move(content)) {}

  uint64_t Size() const override { return content_->size(); }

  Result<std::string_view> ReadAt(uint64_t offset, size_t n, char* scratch) const override {
    const uint64_t size = content_->size();
    if (offset > size || n > size - offset) {
      return OutOfRangeError("read " + std::to_string(n) + " bytes at offset " + std::to_string(offset) + " of '" +
                             path_ + "', which has " + std::to_string(size) + " bytes");
    }
    // Copied, as from a descriptor: a reader overrunning the view overruns
    // its own buffer (which sanitizers see), not ours.
    if (n > 0) std::memcpy(scratch, content_->data() + offset, n);
    return std::string_view(scratch, n);
  }

 private:
  std::string path_;
  std::shared_ptr<const std::string> content_;
};

}  // namespace

class MemoryFileSystem::Writer final : public WritableFile {
 public:
  Writer(MemoryFileSystem* fs, std::shared_ptr<FileNode> node, std::string path)
      : fs_(fs), node_(std::move(node)), path_(std::move(path)) {}
  ~Writer() override { Close().IgnoreError(); }

  Status Append(std::string_view data) override {
    if (closed_) return FailedPreconditionError("append to '" + path_ + "': the file is closed");
    buffer_.append(data);
    return Status::Ok();
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    closed_ = true;
    fs_->Publish(node_, std::move(buffer_));
    return Status::Ok();
  }

 private:
  MemoryFileSystem* fs_;
  std::shared_ptr<FileNode> node_;
  std::string path_;
  std::string buffer_;
  bool closed_ = false;
};

MemoryFileSystem::MemoryFileSystem() : MemoryFileSystem(false) {}

MemoryFileSystem::MemoryFileSystem(bool requests_are_billed) : requests_are_billed_(requests_are_billed) {
  tree_.emplace(std::string(), Entry{});
}

void MemoryFileSystem::Publish(const std::shared_ptr<FileNode>& node, std::string content) {
  auto published = std::make_shared<const std::string>(std::move(content));
  std::lock_guard<std::mutex> lock(mu_);
  node->content = std::move(published);
}

Status MemoryFileSystem::CheckParent(const std::string& key, const std::string& path, std::string_view op) const {
  // The nearest ancestor that exists decides: a directory right above is
  // fine, a file anywhere above is "not a directory", else it is missing.
  for (std::string dir = ParentKey(key);; dir = ParentKey(dir)) {
    auto it = tree_.find(dir);
    if (it != tree_.end()) {
      if (!it->second.is_dir()) {
        return FailedPreconditionError(std::string(op) + " '" + path + "': '" + it->first +
                                       "' on the way is a file, not a directory");
      }
      if (dir == ParentKey(key)) return Status::Ok();
      return NotFoundError(std::string(op) + " '" + path + "': its directory does not exist");
    }
  }
}

Result<MemoryFileSystem::Tree::const_iterator> MemoryFileSystem::FindFile(const std::string& key,
                                                                          const std::string& path,
                                                                          std::string_view op) const {
  auto it = tree_.find(key);
  if (it == tree_.end()) return NotFoundError(std::string(op) + " '" + path + "': no such file");
  if (it->second.is_dir()) {
    return FailedPreconditionError(std::string(op) + " '" + path + "': is a directory, not a file");
  }
  return it;
}

Result<MemoryFileSystem::Tree::const_iterator> MemoryFileSystem::FindDir(const std::string& key,
                                                                         const std::string& path,
                                                                         std::string_view op) const {
  auto it = tree_.find(key);
  if (it == tree_.end()) return NotFoundError(std::string(op) + " '" + path + "': no such directory");
  if (!it->second.is_dir()) return FailedPreconditionError(std::string(op) + " '" + path + "': not a directory");
  return it;
}

Result<FileInfo> MemoryFileSystem::Stat(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  std::lock_guard<std::mutex> lock(mu_);
  FileInfo info;
  auto it = tree_.find(key);
  if (it == tree_.end()) return info;
  if (it->second.is_dir()) {
    info.type = FileType::kDirectory;
  } else {
    info.type = FileType::kFile;
    info.size = it->second.file->content->size();
  }
  return info;
}

Result<std::unique_ptr<RandomAccessFile>> MemoryFileSystem::NewRandomAccessFile(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  std::shared_ptr<const std::string> content;
  {
    std::lock_guard<std::mutex> lock(mu_);
    TFHUB_ASSIGN_OR_RETURN(auto it, FindFile(key, path, "open"));
    content = it->second.file->content;
  }
  return std::unique_ptr<RandomAccessFile>(new MemoryRandomAccessFile(path, std::move(content)));
}

Result<std::string> MemoryFileSystem::ReadFileToString(const std::string& path, uint64_t max_bytes) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  std::shared_ptr<const std::string> content;
  {
    std::lock_guard<std::mutex> lock(mu_);
    TFHUB_ASSIGN_OR_RETURN(auto it, FindFile(key, path, "read"));
    content = it->second.file->content;
  }
  if (content->size() > max_bytes) {
    return FailedPreconditionError("'" + path + "' has " + std::to_string(content->size()) +
                                   " bytes, more than such a file holds (" + std::to_string(max_bytes) + ")");
  }
  return *content;
}

Result<std::vector<std::string>> MemoryFileSystem::ListDir(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  std::lock_guard<std::mutex> lock(mu_);
  TFHUB_ASSIGN_OR_RETURN(auto it, FindDir(key, path, "list directory"));
  const std::string prefix = ChildPrefix(key);
  std::vector<std::string> names;
  for (++it; it != tree_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    const std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (rest.find('/') == std::string_view::npos) names.emplace_back(rest);
  }
  return names;
}

Status MemoryFileSystem::CreateDirs(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  std::lock_guard<std::mutex> lock(mu_);
  size_t end = 0;
  while (end < key.size()) {
    end = key.find('/', end + 1);
    if (end == std::string::npos) end = key.size();
    const std::string dir = key.substr(0, end);
    auto [it, inserted] = tree_.emplace(dir, Entry{});
    if (!inserted && !it->second.is_dir()) {
      return FailedPreconditionError("create directory '" + path + "': '" + dir + "' is a file, not a directory");
    }
  }
  return Status::Ok();
}

Status MemoryFileSystem::DeleteFile(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  std::lock_guard<std::mutex> lock(mu_);
  TFHUB_ASSIGN_OR_RETURN(auto it, FindFile(key, path, "delete"));
  tree_.erase(it);
  return Status::Ok();
}

Status MemoryFileSystem::DeleteRecursively(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  if (key.empty()) return InvalidArgumentError("cannot delete '" + path + "', the root directory");
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tree_.find(key);
  if (it == tree_.end()) return Status::Ok();
  const std::string prefix = ChildPrefix(key);
  auto end = std::next(it);
  while (end != tree_.end() && end->first.compare(0, prefix.size(), prefix) == 0) ++end;
  tree_.erase(it, end);
  return Status::Ok();
}

Status MemoryFileSystem::RenameImpl(const std::string& from, const std::string& to, bool replace) {
  TFHUB_ASSIGN_OR_RETURN(std::string a, Key(from));
  TFHUB_ASSIGN_OR_RETURN(std::string b, Key(to));
  const std::string op = "rename '" + from + "' to";
  if (a.empty()) return InvalidArgumentError(op + " '" + to + "': cannot rename the root directory");
  std::lock_guard<std::mutex> lock(mu_);
  auto source = tree_.find(a);
  if (source == tree_.end()) return NotFoundError(op + " '" + to + "': '" + from + "' does not exist");
  auto target = tree_.find(b);
  if (target != tree_.end()) {
    if (!replace) return AlreadyExistsError(op + " '" + to + "': target exists");
    if (a == b) return Status::Ok();
  }
  if (IsBelow(b, a)) return InvalidArgumentError(op + " '" + to + "': a directory cannot move into itself");
  TFHUB_RETURN_IF_ERROR(CheckParent(b, to, op));
  if (target != tree_.end()) {
    if (source->second.is_dir() != target->second.is_dir()) {
      return FailedPreconditionError(op + " '" + to + "': " +
                                     (target->second.is_dir() ? "a directory" : "not a directory"));
    }
    if (target->second.is_dir()) {
      auto next = std::next(target);
      if (next != tree_.end() && IsBelow(next->first, b)) {
        return AlreadyExistsError(op + " '" + to + "': the target directory is not empty");
      }
    }
    tree_.erase(target);
  }
  // The entry and everything below it, re-keyed under `b`.
  std::vector<std::pair<std::string, Entry>> moved;
  source = tree_.find(a);
  auto end = std::next(source);
  while (end != tree_.end() && IsBelow(end->first, a)) ++end;
  for (auto it = source; it != end; ++it) moved.emplace_back(b + it->first.substr(a.size()), it->second);
  tree_.erase(source, end);
  for (auto& [key, entry] : moved) tree_.emplace(std::move(key), std::move(entry));
  return Status::Ok();
}

Status MemoryFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*replace=*/false);
}

Status MemoryFileSystem::Rename(const std::string& from, const std::string& to) {
  return RenameImpl(from, to, /*replace=*/true);
}

Result<std::unique_ptr<WritableFile>> MemoryFileSystem::NewWritableFile(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  if (key.empty()) return FailedPreconditionError("create file '" + path + "': is a directory");
  auto empty = std::make_shared<const std::string>();
  std::lock_guard<std::mutex> lock(mu_);
  TFHUB_RETURN_IF_ERROR(CheckParent(key, path, "create file"));
  auto it = tree_.find(key);
  std::shared_ptr<FileNode> node;
  if (it == tree_.end()) {
    node = std::make_shared<FileNode>(FileNode{empty});
    tree_.emplace(key, Entry{node});
  } else if (it->second.is_dir()) {
    return FailedPreconditionError("create file '" + path + "': is a directory");
  } else {
    node = it->second.file;
    node->content = empty;  // truncated
  }
  return std::unique_ptr<WritableFile>(new Writer(this, std::move(node), path));
}

Status MemoryFileSystem::CreateExclusive(const std::string& path, std::string_view content) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(path));
  auto node = std::make_shared<FileNode>(FileNode{std::make_shared<const std::string>(content)});
  std::lock_guard<std::mutex> lock(mu_);
  if (tree_.count(key) != 0) return AlreadyExistsError("create '" + path + "': already exists");
  TFHUB_RETURN_IF_ERROR(CheckParent(key, path, "create"));
  tree_.emplace(key, Entry{std::move(node)});
  return Status::Ok();
}

Result<std::vector<TreeEntry>> MemoryFileSystem::ListTree(const std::string& dir) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(dir));
  std::lock_guard<std::mutex> lock(mu_);
  TFHUB_ASSIGN_OR_RETURN(auto it, FindDir(key, dir, "list directory"));
  const std::string prefix = ChildPrefix(key);
  std::vector<TreeEntry> out;
  for (++it; it != tree_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
    if (!it->second.is_dir()) out.push_back({it->first.substr(prefix.size()), it->second.file->content->size()});
  }
  return out;
}

Result<std::unique_ptr<FileSystem>> MemoryFileSystem::OpenDirectory(const std::string& dir) {
  TFHUB_ASSIGN_OR_RETURN(std::string key, Key(dir));
  {
    std::lock_guard<std::mutex> lock(mu_);
    TFHUB_RETURN_IF_ERROR(FindDir(key, dir, "open directory").status());
  }
  return std::unique_ptr<FileSystem>(new SubtreeFileSystem(this, dir));
}

}  // namespace tfhub::io
