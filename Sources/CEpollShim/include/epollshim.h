#ifndef EPOLLSHIM_H
#define EPOLLSHIM_H

#include <stdint.h>

// epoll for Swift: <sys/epoll.h> is not part of Swift's Glibc module, and epoll_event is packed on
// x86-64, so these wrappers pass descriptors and event masks as plain arrays.

enum {
    EPOLLSHIM_IN = 0x001,
    EPOLLSHIM_OUT = 0x004,
    EPOLLSHIM_ERR = 0x008,
    EPOLLSHIM_HUP = 0x010,
    EPOLLSHIM_RDHUP = 0x2000,
};

int epollshim_create(void);
// op: 1 add, 2 delete, 3 modify (EPOLL_CTL_*); level-triggered.
int epollshim_ctl(int epoll, int op, int fd, uint32_t events);
// Fills fds[i] and events[i] for up to `capacity` ready descriptors; returns the count or -1.
int epollshim_wait(int epoll, int *fds, uint32_t *events, int capacity, int timeout_ms);

#endif
