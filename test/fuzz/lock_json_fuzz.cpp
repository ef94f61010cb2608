// libFuzzer target for the JSON front-ends of lib/lock: the strict JSON reader, kernels.lock
// and a build variant's metadata.json (and `kernels info`'s reading of an accepted one).
// Properties: only kcpp::Error (or JsonSyntaxError from the bare reader) is thrown; every
// error message starts with the file name and a line:column; an accepted kernels.lock
// written back by to_json parses to the same lock.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "fuzz_common.hpp"
#include "info/metadata_info.hpp"
#include "core/json_value.hpp"
#include "lock/lock_file.hpp"
#include "repo/metadata.hpp"

using namespace kcpp;

namespace {

// "NAME:LINE:COL: …" with LINE, COL ≥ 1.
bool located(const std::string& message, const std::string& name) {
  if (message.rfind(name + ":", 0) != 0) return false;
  std::size_t i = name.size() + 1;
  auto number = [&] {
    std::size_t start = i;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
    return i > start && message[start] != '0';
  };
  if (!number() || i >= message.size() || message[i++] != ':') return false;
  return number() && message.compare(i, 2, ": ") == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    (void)parse_json(text);
  } catch (const JsonSyntaxError& e) {
    KCPP_FUZZ_CHECK(e.where.line >= 1 && e.where.column >= 1, e.what());
  }
  try {
    lock::LockFile lock = lock::parse_lock_file(text, "kernels.lock");
    const std::string written = lock::to_json(lock);
    lock::LockFile again = lock::parse_lock_file(written, "rewritten.lock");
    KCPP_FUZZ_CHECK(again == lock, written);
    KCPP_FUZZ_CHECK(lock::to_json(again) == written, written);
  } catch (const Error& e) {
    KCPP_FUZZ_CHECK(e.kind() == ErrorKind::parse, e.what());
    KCPP_FUZZ_CHECK(located(e.what(), "kernels.lock"), e.what());
  }
  try {
    (void)repo::parse_metadata(text, "metadata.json");
    (void)info::parse_metadata_info(text, "metadata.json");  // only runs on accepted documents
  } catch (const Error& e) {
    KCPP_FUZZ_CHECK(e.kind() == ErrorKind::parse, e.what());
    KCPP_FUZZ_CHECK(located(e.what(), "metadata.json"), e.what());
  }
  return 0;
}
