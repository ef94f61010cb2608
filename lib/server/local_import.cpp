#include "server/local_import.hpp"

#include <algorithm>
#include <fstream>

#include "core/error.hpp"
#include "core/fs.hpp"

namespace kcpp::server {

namespace stdfs = std::filesystem;

namespace {

std::string read_head(const stdfs::path& file, std::size_t n) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::io, "cannot read " + file.string());
  std::string buf(n, '\0');
  in.read(buf.data(), static_cast<std::streamsize>(n));
  buf.resize(static_cast<std::size_t>(in.gcount()));
  return buf;
}

}  // namespace

CommitRequest import_directory(const stdfs::path& dir, LfsStore& lfs) {
  std::error_code ec;
  if (!stdfs::is_directory(dir, ec))
    throw Error(ErrorKind::io, "not a directory: " + dir.string()).hint("pass the folder to commit with --from");

  std::vector<stdfs::path> files;
  auto it = stdfs::recursive_directory_iterator(dir, ec);
  if (ec) throw Error(ErrorKind::io, "cannot list " + dir.string() + ": " + ec.message());
  for (auto end = stdfs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) throw Error(ErrorKind::io, "cannot list " + dir.string() + ": " + ec.message());
    if (it->path().filename() == ".git") {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec)) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());

  CommitRequest request;
  request.replace_tree = true;
  for (const auto& file : files) {
    FileChange change;
    change.kind = FileChange::Kind::put;
    change.path = stdfs::relative(file, dir).generic_string();
    auto size = stdfs::file_size(file, ec);
    if (ec) throw Error(ErrorKind::io, "cannot stat " + file.string() + ": " + ec.message());
    if (should_store_as_lfs(read_head(file, kBinarySniffBytes), size)) {
      change.blob = format_lfs_pointer(lfs.put_file(file));
    } else {
      change.blob = fs::read_file(file);
    }
    request.changes.push_back(std::move(change));
  }
  return request;
}

DirectoryCommit commit_directory(RepoStorage& storage, const RepoId& repo, const stdfs::path& dir,
                                 const std::string& branch, const std::string& message) {
  std::string ref = branch_ref(branch);
  CommitRequest request = import_directory(dir, storage.lfs());
  request.ref = ref;
  request.message = message.empty() ? std::string("Upload folder with kernels-hub") : message;
  DirectoryCommit out;
  out.files = request.changes.size();
  out.lfs_files =
      static_cast<std::size_t>(std::count_if(request.changes.begin(), request.changes.end(), [](const FileChange& c) {
        return parse_lfs_pointer(c.blob).has_value();
      }));
  storage.create_repo(repo);
  out.commit = storage.commit(repo, request);
  return out;
}

}  // namespace kcpp::server
