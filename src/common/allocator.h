// The process's memory allocator settings, made once at program start by the programs that
// render many prompts (the bakeoff command, the Jinja benchmark).
#pragma once

namespace bakeoff {

// glibc's malloc hands memory back to the system whenever a free leaves more than 128 KiB
// free at the top of the heap. In a process that has compiled and dropped many templates, the
// heap's top is that large, a render's output is freed at the top, and every render then pays
// for a trim and for the pages its next output touches again (about 10% of a short template's
// render, measured). This keeps up to 64 MiB free at the top instead. No effect elsewhere.
void keep_freed_memory();

}  // namespace bakeoff
