// The commit endpoint (E12): POST /api/{T}/{ns}/{name}/commit/{rev}[?create_pr=1].
//
// The NDJSON body is parsed while it arrives (commit_ndjson.hpp), never held whole: each
// inline file is written to a git blob (or, when binary or >= 10 MiB, to the LFS store)
// as soon as its line ends, and the commit keeps only ids. Memory per request stays at
// about one 10 MiB file, whatever the body; the first bad line ends the request (and the
// connection) without reading the rest.
#include <optional>

#include "server/commit_ndjson.hpp"
#include "server/guarded_server.hpp"
#include "server/http_errors.hpp"
#include "server/http_util.hpp"
#include "server/lfs_pointer.hpp"
#include "server/routes.hpp"

namespace kcpp::server {

using json = nlohmann::ordered_json;

namespace {

// The ref a commit to REVISION moves: refs/heads/X and refs/pr/N as given, else a branch.
std::string commit_ref(const std::string& revision) {
  if (revision.rfind("refs/heads/", 0) == 0 || revision.rfind("refs/pr/", 0) == 0) return revision;
  return branch_ref(revision);
}

std::optional<std::string> ref_head(const RefListing& refs, const std::string& ref) {
  for (const auto* list : {&refs.branches, &refs.tags, &refs.pull_requests})
    for (const auto& r : *list)
      if (r.ref == ref) return r.target_commit;
  return std::nullopt;
}

// An inline file whose bytes are an LFS pointer becomes an LFS file in the tree (the tree
// listing and resolve read pointers from the blobs): it must name a stored object of that
// size, exactly as an lfsFile operation must, or clients get a 302 to nothing.
void check_inline_pointer(const RepoStorage& storage, const std::string& path, std::string_view content) {
  auto pointer = parse_lfs_pointer(content);
  if (!pointer) return;
  auto stored = storage.lfs().size_of(pointer->oid);
  if (!stored)
    throw usage_error("file '" + path + "' is an LFS pointer to object " + pointer->oid +
                      ", which has not been uploaded")
        .hint("upload the object first (LFS batch + PUT), then commit it as an lfsFile");
  if (*stored != pointer->size)
    throw usage_error("file '" + path + "' is an LFS pointer of size " + std::to_string(pointer->size) +
                      ", but the stored object " + pointer->oid + " has " + std::to_string(*stored) + " bytes");
}

// Where an inline file's bytes go while they arrive: memory while they may still make a
// regular (git) file, the LFS store from the moment they are binary (a NUL in the first
// kBinarySniffBytes) or reach kLfsSizeThreshold: should_store_as_lfs's rule (the same as
// `kernels-hub commit`'s, so both give the same trees), decided holding < 10 MiB.
class InlineFileSink final : public ContentSink {
 public:
  explicit InlineFileSink(RepoStorage& storage) : storage_(storage) {}

  void write(std::string_view bytes) override {
    if (upload_) {
      upload_->write(bytes.data(), bytes.size());
      return;
    }
    if (memory_.size() < kBinarySniffBytes) {
      auto head = bytes.substr(0, kBinarySniffBytes - memory_.size());
      binary_ = binary_ || head.find('\0') != std::string_view::npos;
    }
    memory_.append(bytes);
    if (binary_ || memory_.size() >= kLfsSizeThreshold) {
      upload_ = storage_.lfs().begin_upload();
      upload_->write(memory_.data(), memory_.size());
      std::string().swap(memory_);
    }
  }

  // The file is complete: true (and the pointer text in BLOB) when it went to LFS, else
  // false and its content in BLOB.
  bool finish(std::string& blob) {
    if (!upload_) {
      blob = std::move(memory_);
      return false;
    }
    LfsPointer pointer = upload_->finish();
    upload_->publish();
    blob = format_lfs_pointer(pointer);
    return true;
  }

 private:
  RepoStorage& storage_;
  std::string memory_;
  bool binary_ = false;
  std::unique_ptr<LfsUpload> upload_;
};

// Turns parsed operations into the commit's changes as they come.
class CommitBuilder final : public CommitEvents {
 public:
  CommitBuilder(RepoStorage& storage, const RepoId& repo, CommitRequest& request)
      : storage_(storage), repo_(repo), request_(request) {}

  void header(CommitHeader h) override {
    request_.message = h.summary;
    if (!h.description.empty()) request_.message += "\n\n" + h.description;
    request_.parent_commit = h.parent_commit;
  }

  ContentSink& begin_content() override { return sink_.emplace(storage_); }

  void operation(CommitOperation op) override {
    FileChange change;
    change.path = op.path;
    switch (op.kind) {
      case CommitOperation::Kind::file: {
        std::string blob;
        if (sink_->finish(blob)) {
          change.blob = std::move(blob);  // the LFS pointer
        } else {
          check_inline_pointer(storage_, op.path, blob);
          change.blob_id = storage_.store_blob(repo_, blob);
        }
        sink_.reset();
        break;
      }
      case CommitOperation::Kind::lfs_file: {
        auto stored = storage_.lfs().size_of(op.oid);
        if (!stored) throw usage_error("lfsFile '" + op.path + "': LFS object " + op.oid + " has not been uploaded");
        if (*stored != op.size)
          throw usage_error("lfsFile '" + op.path + "': size " + std::to_string(op.size) +
                            " does not match the stored object (" + std::to_string(*stored) + " bytes)");
        change.blob = format_lfs_pointer(LfsPointer{op.oid, op.size});
        break;
      }
      case CommitOperation::Kind::deleted_file:
        change.kind = FileChange::Kind::remove_file;
        break;
      case CommitOperation::Kind::deleted_folder:
        change.kind = FileChange::Kind::remove_folder;
        break;
    }
    request_.changes.push_back(std::move(change));
  }

 private:
  RepoStorage& storage_;
  const RepoId& repo_;
  CommitRequest& request_;
  std::optional<InlineFileSink> sink_;
};

}  // namespace

void handle_commit(RequestContext& ctx, WriteContext& w, const RepoId& repo, const std::string& revision) {
  if (w.body == nullptr) throw Error(ErrorKind::failure, "commit without a streamed body");
  bool create_pr = http::parse_flag(ctx.req.get_param_value("create_pr")).value_or(false);
  // Everything the URL tells is checked before the body is read.
  std::string target = commit_ref(revision);
  RefListing refs = ctx.storage.list_refs(repo);
  auto head = ref_head(refs, target);
  if (!head && !(refs.branches.empty() && target == "refs/heads/main"))
    throw Error(ErrorKind::revision_not_found, "Invalid rev id: " + revision);

  CommitRequest request;
  CommitBuilder builder(ctx.storage, repo, request);
  CommitStreamParser parser(builder);
  std::optional<Error> failure;
  bool complete = w.body->read(
      [&](const char* data, std::size_t len) {
        try {
          parser.feed(std::string_view(data, len));
          return true;
        } catch (const Error& e) {
          failure = e;
        } catch (const std::exception& e) {
          failure = Error(ErrorKind::failure, e.what());
        }
        return false;
      },
      /*drain_after_refusal=*/false);
  if (failure || !complete) {
    close_after_answer(ctx.req);  // the rest of the body stays unread
    if (failure) throw *failure;
    throw usage_error("the commit body could not be read to its end (" + std::to_string(w.body->received()) +
                      " bytes came)");
  }
  parser.finish();

  std::optional<std::string> pr_num;
  std::string oid;
  request.ref = target;
  if (create_pr) {
    // The commit goes on a new refs/pr/N based on TARGET's head (or on parentCommit, which
    // must be that head); the number is allocated with the ref, atomically.
    PullRequestCommit pr = ctx.storage.commit_pull_request(repo, request);
    oid = pr.oid;
    pr_num = std::to_string(pr.number);
  } else {
    oid = ctx.storage.commit(repo, request);
  }
  json out{{"success", true},
           {"commitOid", oid},
           {"commitUrl", repo_url(ctx, repo) + "/commit/" + oid},
           {"commitMessage", request.message},
           {"hookOutput", ""}};
  if (pr_num) out["pullRequestUrl"] = repo_url(ctx, repo) + "/discussions/" + *pr_num;
  set_json(ctx.res, out);
}

}  // namespace kcpp::server
