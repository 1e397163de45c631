#include "io/subtree_file_system.h"

namespace tfhub::io {

Result<std::string> SubtreeFileSystem::Full(const std::string& path) const {
  TFHUB_RETURN_IF_ERROR(CheckRelativePath(path));
  return path.empty() ? dir_ : JoinPath(dir_, path);
}

Result<FileInfo> SubtreeFileSystem::Stat(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->Stat(full);
}

Result<std::vector<std::string>> SubtreeFileSystem::ListDir(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->ListDir(full);
}

Status SubtreeFileSystem::CreateDirs(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->CreateDirs(full);
}

Status SubtreeFileSystem::DeleteFile(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->DeleteFile(full);
}

Status SubtreeFileSystem::DeleteRecursively(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("cannot delete " + dir_ + " through itself");
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->DeleteRecursively(full);
}

Status SubtreeFileSystem::RenameNoReplace(const std::string& from, const std::string& to) {
  TFHUB_ASSIGN_OR_RETURN(std::string a, Full(from));
  TFHUB_ASSIGN_OR_RETURN(std::string b, Full(to));
  return base_->RenameNoReplace(a, b);
}

Status SubtreeFileSystem::Rename(const std::string& from, const std::string& to) {
  TFHUB_ASSIGN_OR_RETURN(std::string a, Full(from));
  TFHUB_ASSIGN_OR_RETURN(std::string b, Full(to));
  return base_->Rename(a, b);
}

Result<std::unique_ptr<RandomAccessFile>> SubtreeFileSystem::NewRandomAccessFile(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->NewRandomAccessFile(full);
}

Result<std::unique_ptr<WritableFile>> SubtreeFileSystem::NewWritableFile(const std::string& path) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->NewWritableFile(full);
}

Status SubtreeFileSystem::CreateExclusive(const std::string& path, std::string_view content) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->CreateExclusive(full, content);
}

Result<std::string> SubtreeFileSystem::ReadFileToString(const std::string& path, uint64_t max_bytes) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->ReadFileToString(full, max_bytes);
}

Result<std::vector<TreeEntry>> SubtreeFileSystem::ListTree(const std::string& dir) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(dir));
  return base_->ListTree(full);
}

Status SubtreeFileSystem::ReadStream(const std::string& path, StreamSink& sink) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->ReadStream(full, sink);
}

Result<std::unique_ptr<FileSystem>> SubtreeFileSystem::OpenDirectory(const std::string& dir) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(dir));
  return base_->OpenDirectory(full);  // the base checks `full` as it would its own
}

Status SubtreeFileSystem::SetAccessTime(const std::string& path, std::chrono::system_clock::time_point atime) {
  TFHUB_ASSIGN_OR_RETURN(std::string full, Full(path));
  return base_->SetAccessTime(full, atime);
}

}  // namespace tfhub::io
