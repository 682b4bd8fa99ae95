#include "common/allocator.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace bakeoff {

void keep_freed_memory() {
#if defined(__GLIBC__)
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

}  // namespace bakeoff
