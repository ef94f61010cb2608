#pragma once
// Binary fixtures for the ABI tests, built by the test itself with the host compiler (no
// binaries in the repository): shared objects compiled from a few lines of C or C++, a
// CUDA-style fat binary section written byte by byte, a minimal Mach-O image.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace kcpp::test {

namespace stdfs = std::filesystem;

inline std::string read_bytes(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_bytes(const stdfs::path& p, const std::string& bytes) {
  stdfs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

// Runs a shell command, its output into DIR/cmd.log; true on exit status 0.
inline bool sh(const stdfs::path& dir, const std::string& command) {
  const std::string full = command + " >>'" + (dir / "cmd.log").string() + "' 2>&1";
  return std::system(full.c_str()) == 0;
}

inline std::string cc() {
  const char* env = std::getenv("CC");
  return env && *env ? env : "cc";
}
inline std::string cxx() {
  const char* env = std::getenv("CXX");
  return env && *env ? env : "c++";
}

// Compiles SOURCE (C, or C++ when CXX) into DIR/NAME as a shared object; FLAGS are added to
// the link line. Returns nullopt when the compiler is missing or fails (the log is in
// DIR/cmd.log).
inline std::optional<stdfs::path> build_so(const stdfs::path& dir, const std::string& name, const std::string& source,
                                           const std::string& flags = "", bool is_cxx = false) {
  stdfs::create_directories(dir);
  const stdfs::path src = dir / (name + (is_cxx ? ".cpp" : ".c"));
  write_bytes(src, source);
  const stdfs::path out = dir / name;
  const std::string cmd =
      (is_cxx ? cxx() : cc()) + " -shared -fPIC -O0 -o '" + out.string() + "' '" + src.string() + "' " + flags;
  if (!sh(dir, cmd)) return std::nullopt;
  return out;
}

// Little-endian integer bytes.
inline void put(std::string& s, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

struct FatbinSpec {
  std::uint16_t kind;  // 1 PTX, 2 cubin
  std::uint32_t sm;
  std::uint64_t flags;  // 0x100000 = "a", 0x200000 = "f"
  std::uint32_t payload = 24;
};

// One fat binary container holding ENTRIES (64-byte entry headers, zero payloads).
inline std::string fatbin_container(const std::vector<FatbinSpec>& entries) {
  std::string body;
  for (const auto& e : entries) {
    std::string h;
    put(h, e.kind, 2);
    put(h, 0x0101, 2);
    put(h, 64, 4);         // header size
    put(h, e.payload, 8);  // payload size
    put(h, 0, 4);          // compressed size
    put(h, 0, 4);
    put(h, 8, 2);  // code version
    put(h, 1, 2);
    put(h, e.sm, 4);
    put(h, 0, 4);
    put(h, 0, 4);
    put(h, e.flags | 0x11, 8);
    put(h, 0, 8);
    put(h, 0, 8);
    body += h + std::string(e.payload, '\x7f');
  }
  std::string c;
  put(c, 0xBA55ED50, 4);
  put(c, 1, 2);
  put(c, 16, 2);
  put(c, body.size(), 8);
  return c + body;
}

// A minimal 64-bit little-endian Mach-O dylib for arm64: LC_BUILD_VERSION with MINOS
// (encoded major << 16 | minor << 8) unless 0, and LC_SYMTAB with the undefined external
// symbols UNDEFINED (raw names, e.g. "_PyCode_New").
inline std::string macho_dylib(std::uint32_t minos, const std::vector<std::string>& undefined) {
  std::string strtab(1, '\0');
  std::vector<std::uint32_t> name_offsets;
  for (const auto& u : undefined) {
    name_offsets.push_back(static_cast<std::uint32_t>(strtab.size()));
    strtab += u + '\0';
  }
  const std::uint32_t build_cmd = minos ? 24 : 0, symtab_cmd = 24;
  const std::uint32_t sizeofcmds = build_cmd + symtab_cmd;
  const std::uint32_t symoff = 32 + sizeofcmds;
  const std::uint32_t stroff = symoff + 16 * static_cast<std::uint32_t>(undefined.size());
  std::string m;
  put(m, 0xfeedfacf, 4);
  put(m, 0x0100000c, 4);  // arm64
  put(m, 0, 4);
  put(m, 6, 4);  // MH_DYLIB
  put(m, minos ? 2 : 1, 4);
  put(m, sizeofcmds, 4);
  put(m, 0, 4);
  put(m, 0, 4);
  if (minos) {
    put(m, 0x32, 4);
    put(m, 24, 4);
    put(m, 1, 4);  // PLATFORM_MACOS
    put(m, minos, 4);
    put(m, minos, 4);
    put(m, 0, 4);
  }
  put(m, 0x2, 4);
  put(m, 24, 4);
  put(m, symoff, 4);
  put(m, undefined.size(), 4);
  put(m, stroff, 4);
  put(m, strtab.size(), 4);
  for (auto off : name_offsets) {
    put(m, off, 4);
    put(m, 0x01, 1);  // N_UNDF | N_EXT
    put(m, 0, 1);
    put(m, 0, 2);
    put(m, 0, 8);
  }
  return m + strtab;
}

}  // namespace kcpp::test

namespace kcpp::test {

// Sources of the shared-object fixtures (one rule each).
inline const char* const kCompliantC = "int kcpp_fixture_add(int a, int b) { return a + b; }\n";
// pthread_create binds to GLIBC_2.34 with glibc >= 2.34 (Debian 12: 2.36).
inline const char* const kNewGlibcC =
    "#include <pthread.h>\n"
    "static void* run(void* p) { return p; }\n"
    "int kcpp_fixture_start(void) { pthread_t t; return pthread_create(&t, 0, run, 0); }\n";
// memcpy binds to GLIBC_2.14 on x86_64: newer than manylinux_2_12 allows.
inline const char* const kMemcpyC =
    "#include <string.h>\n"
    "void kcpp_fixture_copy(char* d, const char* s, unsigned long n) { memcpy(d, s, n); }\n";
inline const char* const kDepC = "int kcpp_fixture_dep(void) { return 1; }\n";
inline const char* const kUsesDepC =
    "int kcpp_fixture_dep(void);\nint kcpp_fixture_use(void) { return kcpp_fixture_dep(); }\n";
// PyCode_New is not in the stable ABI; PyModule_AddType joined it in 3.10.
inline const char* const kPythonC =
    "void* PyCode_New(void); int PyModule_AddType(void*, void*);\n"
    "void* kcpp_fixture_py(void) { PyModule_AddType(0, 0); return PyCode_New(); }\n";
// aoti_torch_aten_full appeared in torch 2.10; at:: is outside the stable ABI; torch::stable:: is fine.
inline const char* const kTorchCxx =
    "extern \"C\" void aoti_torch_aten_full(void);\n"
    "namespace at { void kcpp_fixture_op(); }\n"
    "namespace torch { namespace stable { void kcpp_fixture_ok(); } }\n"
    "void kcpp_fixture() { aoti_torch_aten_full(); at::kcpp_fixture_op(); torch::stable::kcpp_fixture_ok(); }\n";

}  // namespace kcpp::test
