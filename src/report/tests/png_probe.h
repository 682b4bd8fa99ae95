// A small PNG reader for the Chromium screenshot test: decodes 8-bit RGB/RGBA (non-interlaced)
// with zlib and counts pixels that are not background white, so "not blank" is measured.
#pragma once
#include <cstddef>
#include <string>

namespace bakeoff::report::testing {

struct PngProbe {
  bool ok = false;
  std::string error;
  unsigned width = 0, height = 0;
  size_t non_white = 0;      // pixels with any channel below 240
  size_t distinct_rows = 0;  // rows that differ from the row above (a rough "structure" count)
};

PngProbe probe_png(const std::string& bytes);

}  // namespace bakeoff::report::testing
