#pragma once
// Test support: a real `kernels-hub serve` process on 127.0.0.1 (port 0), started for the
// lifetime of the object, plus `kernels-hub commit`. Tests talk HTTP to it, never to a fake.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/fs.hpp"

namespace kcpp::test {

inline std::string bin(const std::string& name) { return std::string(KCPP_BIN_DIR) + "/" + name; }

// Runs a command (argv), returns stdout; throws on non-zero exit.
inline std::string run_capture(const std::vector<std::string>& argv) {
  std::string cmd;
  for (const auto& a : argv) cmd += "'" + a + "' ";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + cmd);
  std::string out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int rc = ::pclose(p);
  if (rc != 0) throw std::runtime_error("command failed: " + cmd);
  return out;
}

class HubProcess {
 public:
  explicit HubProcess(std::vector<std::string> extra_args = {}) {
    root_ = dir_.path() / "hub";
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    std::vector<std::string> args = {bin("kernels-hub"), "serve", "--root", root_.string(), "--port", "0"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    FILE* out = ::fdopen(fds[0], "r");
    char line[512] = {0};
    if (!std::fgets(line, sizeof line, out)) throw std::runtime_error("kernels-hub did not print its URL");
    url_ = line;
    while (!url_.empty() && (url_.back() == '\n' || url_.back() == '\r')) url_.pop_back();
    out_ = out;
  }
  ~HubProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_) std::fclose(out_);
  }
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  const std::string& url() const { return url_; }
  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& scratch() const { return dir_.path(); }

  // Commits SRC as the tree of BRANCH; returns the commit sha.
  std::string commit(const std::string& repo, const std::filesystem::path& src, const std::string& branch,
                     const std::string& type = "kernel") const {
    auto out = run_capture({bin("kernels-hub"), "commit", "--root", root_.string(), repo, "--from", src.string(),
                            "--branch", branch, "--type", type});
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }

 private:
  fs::TempDir dir_{"kcpp-hub-test"};
  std::filesystem::path root_;
  std::string url_;
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

}  // namespace kcpp::test
