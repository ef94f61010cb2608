#include "check/kernel_tree.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <system_error>

#include "cache/cache_layout.hpp"
#include "core/error.hpp"
#include "repo/build_tree.hpp"

namespace kcpp::check {

namespace stdfs = std::filesystem;

namespace {

void sort_files(VariantTree& v) {
  std::sort(v.files.begin(), v.files.end(), [](const TreeFile& a, const TreeFile& b) { return a.rel < b.rel; });
}

VariantTree scan_variant(const stdfs::path& dir, std::string name) {
  VariantTree v;
  v.name = std::move(name);
  std::error_code ec;
  stdfs::recursive_directory_iterator it(dir, stdfs::directory_options::none, ec), end;
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot read {}: {}", dir.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error(ErrorKind::io, fmt::format("cannot read {}: {}", dir.string(), ec.message()));
    const std::string rel = stdfs::relative(it->path(), dir, ec).generic_string();
    std::error_code type_ec;
    if (it->is_symlink(type_ec)) {
      // Followed for files (the HF cache links to blobs), never descended for directories.
      if (it->is_regular_file(type_ec)) v.files.push_back({rel, it->file_size(type_ec), it->path(), {}, {}, {}, false});
      continue;
    }
    if (it->is_directory(type_ec)) {
      v.dirs.insert(rel);
    } else if (it->is_regular_file(type_ec)) {
      v.files.push_back({rel, it->file_size(type_ec), it->path(), {}, {}, {}, false});
    }
  }
  sort_files(v);
  return v;
}

}  // namespace

const TreeFile* VariantTree::file(std::string_view rel) const {
  for (const auto& f : files)
    if (f.rel == rel) return &f;
  return nullptr;
}

TreeFile* VariantTree::file(std::string_view rel) {
  for (auto& f : files)
    if (f.rel == rel) return &f;
  return nullptr;
}

KernelTree scan_local(const stdfs::path& kernel_dir) {
  KernelTree tree;
  const stdfs::path build = kernel_dir / "build";
  std::error_code ec;
  tree.has_build_dir = stdfs::is_directory(build, ec);
  if (!tree.has_build_dir) return tree;
  std::vector<std::string> names;
  for (stdfs::directory_iterator it(build, ec), end; it != end; it.increment(ec)) {
    if (ec) break;
    std::error_code type_ec;
    if (it->is_directory(type_ec)) names.push_back(it->path().filename().string());
  }
  if (ec) throw Error(ErrorKind::io, fmt::format("cannot read {}: {}", build.string(), ec.message()));
  std::sort(names.begin(), names.end());
  for (const auto& n : names) tree.variants.push_back(scan_variant(build / n, n));
  return tree;
}

KernelTree tree_from_listing(const std::vector<hub::TreeEntry>& entries, const std::string& repo_label) {
  KernelTree tree;
  std::map<std::string, VariantTree> variants;
  for (const auto& e : entries) {
    if (!cache::is_safe_repo_path(e.path))
      throw Error(ErrorKind::parse, fmt::format("{}: refusing unsafe path in tree listing: '{}'", repo_label, e.path))
          .hint("the server listed a path with '..', a leading '/' or a backslash");
    auto where = repo::split_build_path(e.path);
    if (!where) continue;
    tree.has_build_dir = true;
    const std::string& name = where->variant;
    if (where->rel.empty()) {
      if (e.kind == hub::TreeEntry::Kind::directory) variants[name].name = name;
      continue;  // a file directly in build/ (e.g. CARD.md)
    }
    auto& v = variants[name];
    v.name = name;
    const std::string& rel = where->rel;
    for (auto p = rel.find('/'); p != std::string::npos; p = rel.find('/', p + 1)) v.dirs.insert(rel.substr(0, p));
    if (e.kind == hub::TreeEntry::Kind::directory) {
      v.dirs.insert(rel);
    } else if (e.kind == hub::TreeEntry::Kind::file) {
      TreeFile f;
      f.rel = rel;
      f.repo_path = e.path;
      f.lfs = e.lfs.has_value();
      f.size = e.lfs ? e.lfs->size : e.size;
      f.etag = e.lfs ? e.lfs->oid : e.oid;
      if (e.lfs) f.sha256_hex = e.lfs->oid;
      v.files.push_back(std::move(f));
    }
  }
  if (!entries.empty()) tree.has_build_dir = true;
  for (auto& [name, v] : variants) {
    sort_files(v);
    tree.variants.push_back(std::move(v));
  }
  return tree;
}

bool is_shared_object(std::string_view rel) {
  // Path::extension semantics: the base name must have a stem before the dot.
  const auto slash = rel.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  auto ends = [&](std::string_view ext) {
    return base.size() > ext.size() && base.substr(base.size() - ext.size()) == ext;
  };
  return ends(".so") || ends(".pyd");
}

}  // namespace kcpp::check
