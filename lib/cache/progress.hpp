#pragma once
// A progress bar for downloads on stderr, for terminals only: one line redrawn at most ten
// times a second ("org/relu  3/5 files  120.4 MB / 2.1 GB  85.2 MB/s"), finished with a
// newline. Not used when stderr is not a TTY (then nothing is drawn at all).
#include <memory>
#include <string>

#include "cache/downloader.hpp"

namespace kcpp::cache {

// "0 B", "999 B", "1.5 kB", "120.4 MB", "2.1 GB" (decimal units, like huggingface_hub's tqdm).
std::string human_bytes(std::uint64_t n);

// A bar on stderr when TTY is true; otherwise a reporter that reports nothing.
std::unique_ptr<DownloadReporter> make_progress_reporter(bool tty);

}  // namespace kcpp::cache
