#include "malloccounter.h"

#include <stdatomic.h>
#include <stddef.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define MALLOCCOUNTER_DISABLED 1
#endif
#endif

#if defined(__linux__) && !defined(MALLOCCOUNTER_DISABLED)

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_long allocations;
static atomic_int counting;

static inline void count(void) {
    if (atomic_load_explicit(&counting, memory_order_relaxed)) atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
}

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    count();
    void *p = __libc_memalign(alignment, size);
    if (!p) return 12; // ENOMEM
    *out = p;
    return 0;
}

int malloccounter_available(void) { return 1; }
void malloccounter_start(void) { atomic_store(&allocations, 0); atomic_store(&counting, 1); }
long malloccounter_stop(void) { atomic_store(&counting, 0); return atomic_load(&allocations); }

#else

int malloccounter_available(void) { return 0; }
void malloccounter_start(void) {}
long malloccounter_stop(void) { return -1; }

#endif
