#ifndef MALLOCCOUNTER_H
#define MALLOCCOUNTER_H

// Counts heap allocations made while counting is on (malloc, calloc, realloc, posix_memalign,
// aligned_alloc, memalign), by interposing glibc's allocator in the test executable.
// Not available under AddressSanitizer or ThreadSanitizer, which interpose the allocator themselves.

int malloccounter_available(void);
void malloccounter_start(void);
long malloccounter_stop(void);  // allocations since start

#endif
