#pragma once
// Shared by the libFuzzer targets: a property check that stops the run with a report (the
// targets otherwise rely on the sanitizers and on uncaught exceptions, which abort).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define KCPP_FUZZ_CHECK(cond, what)                                                       \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "property violated: %s (%s:%d): %s\n", #cond, __FILE__, __LINE__, \
                   std::string(what).c_str());                                            \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
