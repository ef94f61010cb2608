// The Hub write API of HubClient against a real `kernels-hub serve --token` (tags [write][live]).
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/fs.hpp"
#include "core/hash.hpp"
#include "hub/client.hpp"
#include "../support/hub_process.hpp"

using namespace kcpp;
using namespace kcpp::hub;

namespace {

// Deliberately not hf_-shaped, so redaction cannot hide a leak: it must never be written.
const std::string kToken = "kcpp-write-secret-7f3a";
const std::string kWrongToken = "kcpp-wrong-secret-91c2";

std::string binary(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed) % 251);
  return s;
}

HubClient make_client(const std::string& endpoint, std::optional<std::string> token) {
  ClientSettings s;
  s.endpoint = endpoint;
  s.token = std::move(token);
  s.retry.base_delay_s = 0.01;
  return HubClient(s);
}

template <class F>
Error error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e;
  }
  FAIL("expected a kcpp::Error");
  return Error(ErrorKind::failure, "unreachable");
}

std::string download(const HubClient& c, RepoType type, const RepoId& repo, const std::string& rev,
                     const std::string& path) {
  std::string got;
  c.download_file(type, repo, rev, path, [&](std::string_view chunk) {
    got.append(chunk);
    return true;
  });
  return got;
}

std::map<std::string, TreeEntry> tree_of(const HubClient& c, RepoType type, const RepoId& repo, const std::string& rev) {
  std::map<std::string, TreeEntry> out;
  for (auto& e : c.list_tree(type, repo, rev, "", true))
    if (e.kind == TreeEntry::Kind::file) out[e.path] = e;
  return out;
}

CommitOperation add_file(const std::string& path, const std::filesystem::path& local) {
  CommitOperation op;
  op.path_in_repo = path;
  op.local_file = local;
  return op;
}

CommitOperation add_bytes(const std::string& path, std::string content) {
  CommitOperation op;
  op.path_in_repo = path;
  op.content = std::move(content);
  return op;
}

CommitOperation remove(const std::string& path, bool folder = false) {
  CommitOperation op;
  op.kind = folder ? CommitOperation::Kind::delete_folder : CommitOperation::Kind::delete_file;
  op.path_in_repo = path;
  return op;
}

CommitOptions message(const std::string& summary) {
  CommitOptions o;
  o.summary = summary;
  return o;
}

struct WriteFixture {
  test::HubProcess hub{{"--token", kToken}};
  HubClient client = make_client(hub.url(), kToken);
  RepoId repo = parse_repo_id("org/k");
  std::filesystem::path src = hub.scratch() / "src";
  std::string so = binary(1536 * 1024, 7);  // > 1 MiB binary: LFS
  std::string init = "from ._ops import ops\n";
  std::string meta = "{\"version\": 1}\n";

  WriteFixture() {
    fs::atomic_write(src / "_ops.abi3.so", so);
    fs::atomic_write(src / "__init__.py", init);
    fs::atomic_write(src / "metadata.json", meta);
    fs::atomic_write(src / "empty.txt", "");
  }

  std::vector<CommitOperation> build_ops() const {
    const std::string v = "build/torch-cuda/";
    return {add_file(v + "_ops.abi3.so", src / "_ops.abi3.so"), add_file(v + "__init__.py", src / "__init__.py"),
            add_file(v + "metadata.json", src / "metadata.json"), add_file(v + "deep/er/empty.txt", src / "empty.txt"),
            add_bytes("README.md", "# demo kernel\n")};
  }
};

}  // namespace

TEST_CASE_METHOD(WriteFixture, "whoami names the token's account and is cached", "[write][live]") {
  auto who = client.whoami();
  CHECK(who.name == "kernels-hub");
  CHECK(who.type == "user");
  CHECK(who.token_role == "write");
  CHECK(client.whoami().name == who.name);
  auto none = error_of([&] { make_client(hub.url(), std::nullopt).whoami(); });
  CHECK(none.kind() == ErrorKind::unauthorized);
  CHECK(render_error(none, false).find("HF_TOKEN") != std::string::npos);
  auto wrong = error_of([&] { make_client(hub.url(), kWrongToken).whoami(); });
  CHECK(wrong.kind() == ErrorKind::unauthorized);
  CHECK(render_error(wrong, false).find(kWrongToken) == std::string::npos);
}

TEST_CASE_METHOD(WriteFixture, "create_repo for kernels and models, exist_ok versus 409", "[write][live]") {
  CHECK(client.create_repo(RepoType::kernel, repo, false, false) == hub.url() + "/kernels/org/k");
  CHECK(client.create_repo(RepoType::model, parse_repo_id("org/m"), true, false) == hub.url() + "/org/m");
  CHECK(client.create_repo(RepoType::kernel, repo, false, true) == hub.url() + "/kernels/org/k");
  auto again = error_of([&] { client.create_repo(RepoType::kernel, repo, false, false); });
  CHECK(again.kind() == ErrorKind::conflict);
  CHECK(std::string(again.what()).find("org/k") != std::string::npos);
  CHECK(client.repo_exists(RepoType::model, parse_repo_id("org/m")));
}

TEST_CASE_METHOD(WriteFixture, "a commit of regular, LFS and nested files reads back byte for byte", "[write][live]") {
  client.create_repo(RepoType::kernel, repo, false, false);
  std::vector<UploadProgress> seen;
  CommitOptions o = message("Upload kernel");
  o.on_progress = [&](const UploadProgress& p) { seen.push_back(p); };
  auto r = client.create_commit(RepoType::kernel, repo, "main", build_ops(), o);
  REQUIRE(r.committed);
  CHECK(is_commit_sha(r.commit_oid));
  CHECK(r.commit_url == hub.url() + "/kernels/org/k/commit/" + r.commit_oid);
  CHECK(r.files_uploaded_lfs == 1);
  CHECK(r.files_inline == 4);
  CHECK(r.files_skipped == 0);
  CHECK(r.lfs_bytes_sent == so.size());
  CHECK_FALSE(r.pr_num);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().files_done == 5);
  CHECK(seen.back().files_total == 5);
  CHECK(seen.back().bytes_done == seen.back().bytes_total);
  CHECK(seen.back().bytes_total == so.size() + init.size() + meta.size() + 14);

  CHECK(client.repo_info(RepoType::kernel, repo, "main").sha == r.commit_oid);
  auto tree = tree_of(client, RepoType::kernel, repo, "main");
  REQUIRE(tree.size() == 5);
  const auto& so_entry = tree.at("build/torch-cuda/_ops.abi3.so");
  REQUIRE(so_entry.lfs);
  CHECK(so_entry.lfs->oid == hash::sha256_hex(so));
  CHECK(so_entry.size == so.size());
  CHECK_FALSE(tree.at("build/torch-cuda/__init__.py").lfs);
  CHECK(tree.at("build/torch-cuda/__init__.py").oid == hash::git_blob_id(init));
  CHECK(tree.at("build/torch-cuda/deep/er/empty.txt").oid == hash::git_blob_id(""));
  CHECK_FALSE(tree.at("build/torch-cuda/deep/er/empty.txt").lfs);
  CHECK(download(client, RepoType::kernel, repo, "main", "build/torch-cuda/_ops.abi3.so") == so);
  CHECK(download(client, RepoType::kernel, repo, "main", "build/torch-cuda/metadata.json") == meta);
  CHECK(download(client, RepoType::kernel, repo, "main", "README.md") == "# demo kernel\n");
  CHECK(download(client, RepoType::kernel, repo, "main", "build/torch-cuda/deep/er/empty.txt").empty());

  SECTION("an identical second commit is skipped, a partial change commits only what changed") {
    auto same = client.create_commit(RepoType::kernel, repo, "main", build_ops(), message("again"));
    CHECK_FALSE(same.committed);
    CHECK(same.files_skipped == 5);
    CHECK(same.commit_oid == r.commit_oid);
    CHECK(client.repo_info(RepoType::kernel, repo, "main").sha == r.commit_oid);

    auto ops = build_ops();
    ops.push_back(add_bytes("build/torch-cuda/new.py", "x = 1\n"));
    auto one = client.create_commit(RepoType::kernel, repo, "main", ops, message("one more"));
    CHECK(one.committed);
    CHECK(one.files_skipped == 5);
    CHECK(one.files_inline == 1);
    CHECK(one.lfs_bytes_sent == 0);
  }

  SECTION("the same LFS bytes under another path are not sent again") {
    auto copy = client.create_commit(RepoType::kernel, repo, "main",
                                     {add_file("build/torch-rocm/_ops.abi3.so", src / "_ops.abi3.so")}, message("copy"));
    CHECK(copy.committed);
    CHECK(copy.files_uploaded_lfs == 1);
    CHECK(copy.lfs_bytes_sent == 0);
    CHECK(download(client, RepoType::kernel, repo, "main", "build/torch-rocm/_ops.abi3.so") == so);
  }

  SECTION("deletions of a file and a folder") {
    auto del = client.create_commit(RepoType::kernel, repo, "main",
                                    {remove("README.md"), remove("build/torch-cuda/deep/", true)}, message("prune"));
    CHECK(del.committed);
    CHECK(del.deletions == 2);
    auto after = tree_of(client, RepoType::kernel, repo, "main");
    CHECK(after.size() == 3);
    CHECK(after.count("README.md") == 0);
    CHECK(after.count("build/torch-cuda/deep/er/empty.txt") == 0);
  }

  SECTION("branches from main and from a commit, exist_ok, delete") {
    auto second = client.create_commit(RepoType::kernel, repo, "main", {add_bytes("later.txt", "later\n")},
                                       message("later"));
    client.create_branch(RepoType::kernel, repo, "v1", std::nullopt, false);
    client.create_branch(RepoType::kernel, repo, "v0", r.commit_oid, false);
    client.create_branch(RepoType::kernel, repo, "v1", std::nullopt, true);
    CHECK(error_of([&] { client.create_branch(RepoType::kernel, repo, "v1", std::nullopt, false); }).kind() ==
          ErrorKind::conflict);
    std::map<std::string, std::string> heads;
    for (const auto& b : client.list_refs(RepoType::kernel, repo).branches) heads[b.name] = b.target_commit;
    CHECK(heads.at("v1") == second.commit_oid);
    CHECK(heads.at("v0") == r.commit_oid);

    auto on_v1 = client.create_commit(RepoType::kernel, repo, "v1", {add_bytes("v1.txt", "v1\n")}, message("v1"));
    CHECK(client.repo_info(RepoType::kernel, repo, "refs/heads/v1").sha == on_v1.commit_oid);
    CHECK(client.repo_info(RepoType::kernel, repo, "main").sha == second.commit_oid);

    client.delete_branch(RepoType::kernel, repo, "v0");
    CHECK(error_of([&] { client.repo_info(RepoType::kernel, repo, "v0"); }).kind() == ErrorKind::revision_not_found);
    CHECK(error_of([&] { client.create_commit(RepoType::kernel, repo, "v9", {add_bytes("a", "a")}, message("m")); })
              .kind() == ErrorKind::revision_not_found);
  }

  SECTION("parentCommit: the head commits, a stale parent is a 412") {
    CommitOptions ok = message("on head");
    ok.parent_commit = r.commit_oid;
    auto next = client.create_commit(RepoType::kernel, repo, "main", {add_bytes("a.txt", "a\n")}, ok);
    REQUIRE(next.committed);
    CommitOptions stale = message("on a stale head");
    stale.parent_commit = r.commit_oid;
    auto e = error_of([&] { client.create_commit(RepoType::kernel, repo, "main", {add_bytes("b.txt", "b\n")}, stale); });
    CHECK(e.kind() == ErrorKind::precondition_failed);
    CHECK(render_error(e, false).find("re-run") != std::string::npos);
    CHECK(render_error(e, false).find(kToken) == std::string::npos);
    CHECK(client.repo_info(RepoType::kernel, repo, "main").sha == next.commit_oid);
  }

  SECTION("create_pr opens refs/pr/1 and leaves main alone; later commits go to the PR") {
    CommitOptions o2 = message("Add rocm");
    o2.create_pr = true;
    auto pr = client.create_commit(RepoType::kernel, repo, "main",
                                   {add_bytes("build/torch-rocm/__init__.py", "rocm\n"),
                                    add_bytes("build/torch-rocm/_ops.abi3.so", binary(300 * 1024, 3))},
                                   o2);
    REQUIRE(pr.committed);
    CHECK(pr.pr_num == 1);
    CHECK(pr.pr_revision == "refs/pr/1");
    CHECK(pr.pr_url == hub.url() + "/kernels/org/k/discussions/1");
    CHECK(client.repo_info(RepoType::kernel, repo, "main").sha == r.commit_oid);
    CHECK(tree_of(client, RepoType::kernel, repo, "refs/pr/1").count("build/torch-rocm/__init__.py") == 1);
    CHECK(download(client, RepoType::kernel, repo, "refs/pr/1", "build/torch-rocm/__init__.py") == "rocm\n");
    auto more = client.create_commit(RepoType::kernel, repo, "refs/pr/1", {add_bytes("more.txt", "m\n")}, message("more"));
    CHECK(client.repo_info(RepoType::kernel, repo, "refs/pr/1").sha == more.commit_oid);
    bool listed = false;
    for (const auto& p : client.list_refs(RepoType::kernel, repo, true).pull_requests)
      listed = listed || (p.ref == "refs/pr/1" && p.target_commit == more.commit_oid);
    CHECK(listed);
  }
}

TEST_CASE_METHOD(WriteFixture, "writes without a token or with a wrong one are 401s that never echo it", "[write][live]") {
  client.create_repo(RepoType::kernel, repo, false, false);
  auto anonymous = make_client(hub.url(), std::nullopt);
  auto e1 = error_of([&] { anonymous.create_repo(RepoType::kernel, parse_repo_id("org/other"), false, false); });
  CHECK(e1.kind() == ErrorKind::unauthorized);
  CHECK(render_error(e1, false).find("HF_TOKEN") != std::string::npos);
  CHECK(render_error(e1, false).find("hf auth login") != std::string::npos);
  auto e2 = error_of([&] { anonymous.create_commit(RepoType::kernel, repo, "main", build_ops(), message("m")); });
  CHECK(e2.kind() == ErrorKind::unauthorized);
  CHECK(render_error(e2, false).find("none was sent") != std::string::npos);

  auto wrong = make_client(hub.url(), kWrongToken);
  auto e3 = error_of([&] { wrong.create_commit(RepoType::kernel, repo, "main", build_ops(), message("m")); });
  CHECK(e3.kind() == ErrorKind::unauthorized);
  CHECK(render_error(e3, false).find("rejected the token") != std::string::npos);
  auto e4 = error_of([&] { wrong.create_branch(RepoType::kernel, repo, "v1", std::nullopt, false); });
  CHECK(e4.kind() == ErrorKind::unauthorized);
  for (const auto* e : {&e1, &e2, &e3, &e4}) {
    auto text = render_error(*e, false);
    CHECK(text.find(kToken) == std::string::npos);
    CHECK(text.find(kWrongToken) == std::string::npos);
  }
}

TEST_CASE_METHOD(WriteFixture, "bad operations fail before any request", "[write][live]") {
  client.create_repo(RepoType::kernel, repo, false, false);
  auto kind = [&](std::vector<CommitOperation> ops, CommitOptions o = message("m")) {
    return error_of([&] { client.create_commit(RepoType::kernel, repo, "main", ops, o); }).kind();
  };
  CHECK(kind({add_bytes("../escape", "x")}) == ErrorKind::usage);
  CHECK(kind({add_bytes("a", "x")}, CommitOptions{}) == ErrorKind::usage);  // empty summary
  CHECK(kind({add_file("a.so", src / "missing.so")}) == ErrorKind::io);
  CommitOperation both = add_bytes("a", "x");
  both.local_file = src / "__init__.py";
  CHECK(kind({both}) == ErrorKind::usage);
  CommitOptions bad_parent = message("m");
  bad_parent.parent_commit = "main";
  CHECK(kind({add_bytes("a", "x")}, bad_parent) == ErrorKind::usage);
}

TEST_CASE("a 503 on the LFS PUT is retried from byte 0 and the commit succeeds", "[write][live]") {
  fs::TempDir scratch("kcpp-write-inject");
  auto log = scratch.path() / "requests.log";
  test::HubProcess hub({"--token", kToken, "--inject", "503x1:/lfs-objects/", "--request-log", log.string()});
  auto client = make_client(hub.url(), kToken);
  auto repo = parse_repo_id("org/k");
  client.create_repo(RepoType::kernel, repo, false, false);
  auto so = binary(2 * 1024 * 1024, 11);
  auto file = scratch.path() / "_ops.so";
  fs::atomic_write(file, so);
  std::vector<UploadProgress> seen;
  CommitOptions o = message("with a flaky store");
  o.on_progress = [&](const UploadProgress& p) { seen.push_back(p); };
  auto r = client.create_commit(RepoType::kernel, repo, "main", {add_file("build/x/_ops.so", file)}, o);
  CHECK(r.committed);
  CHECK(r.lfs_bytes_sent == so.size());
  CHECK(download(client, RepoType::kernel, repo, "main", "build/x/_ops.so") == so);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().bytes_done == so.size());

  std::ifstream in(log);
  std::string line;
  int put_503 = 0, put_200 = 0;
  while (std::getline(in, line)) {
    if (line.rfind("PUT /lfs-objects/", 0) != 0) continue;
    std::istringstream fields(line);
    std::string method, path;
    int status = 0;
    fields >> method >> path >> status;
    put_503 += status == 503;
    put_200 += status == 200;
  }
  CHECK(put_503 == 1);
  CHECK(put_200 == 1);
}

TEST_CASE("a failed commit POST is never resent, a failed preupload is", "[write][live]") {
  fs::TempDir scratch("kcpp-write-inject");
  auto log = scratch.path() / "requests.log";
  test::HubProcess hub({"--token", kToken, "--inject", "503x1:/api/kernels/org/k/preupload/", "--inject",
                        "503x1:/api/kernels/org/k/commit/", "--request-log", log.string()});
  auto client = make_client(hub.url(), kToken);
  auto repo = parse_repo_id("org/k");
  client.create_repo(RepoType::kernel, repo, false, false);
  auto e = error_of([&] { client.create_commit(RepoType::kernel, repo, "main", {add_bytes("a.txt", "a\n")}, message("m")); });
  CHECK(e.kind() == ErrorKind::http);
  auto again = client.create_commit(RepoType::kernel, repo, "main", {add_bytes("a.txt", "a\n")}, message("m"));
  CHECK(again.committed);

  std::ifstream in(log);
  std::string line;
  std::map<std::string, std::vector<int>> statuses;  // "preupload" / "commit" → statuses in order
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string method, path;
    int status = 0;
    fields >> method >> path >> status;
    for (const char* what : {"preupload", "commit"})
      if (path.rfind(std::string("/api/kernels/org/k/") + what + "/", 0) == 0) statuses[what].push_back(status);
  }
  CHECK(statuses["preupload"] == std::vector<int>{503, 200, 200});
  CHECK(statuses["commit"] == std::vector<int>{503, 200});
}

// A 429 is answered before the server acts on the request: the random-fault suite saw uploads
// fail on a rate-limited commit POST that was safe to send again.
TEST_CASE("a commit POST refused with 429 is sent again after Retry-After", "[write][live]") {
  fs::TempDir scratch("kcpp-write-429");
  auto log = scratch.path() / "requests.log";
  test::HubProcess hub({"--token", kToken, "--faults", "429=0x1:/api/kernels/org/k/commit/", "--request-log",
                        log.string()});
  auto client = make_client(hub.url(), kToken);
  auto repo = parse_repo_id("org/k");
  client.create_repo(RepoType::kernel, repo, false, false);
  auto result = client.create_commit(RepoType::kernel, repo, "main", {add_bytes("a.txt", "a\n")}, message("m"));
  CHECK(result.committed);
  CHECK(download(client, RepoType::kernel, repo, "main", "a.txt") == "a\n");

  std::ifstream in(log);
  std::string line;
  std::vector<int> commits;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string method, path;
    int status = 0;
    fields >> method >> path >> status;
    if (path.rfind("/api/kernels/org/k/commit/", 0) == 0) commits.push_back(status);
  }
  CHECK(commits == std::vector<int>{429, 200});
}
