import CEpollShim
import Foundation
#if canImport(Glibc)
import Glibc
import MonotonicClock
#endif

/// Something an event loop watches: a connection.
protocol EventLoopHandler: AnyObject {
    func readable()
    func writable()
    /// Called about every `EventLoop.tickInterval` seconds, for timeouts.
    func tick()
}

/// One thread running `epoll_wait` over many sockets, nginx-style. On Linux every DispatchSource event
/// travels through libdispatch's manager thread and wakes a worker, several context switches per
/// request; a loop that owns its descriptors handles a ready socket in the thread that saw it.
/// Handlers and all state they touch are confined to the loop thread; other threads use `execute`.
final class EventLoop: @unchecked Sendable {
    static let tickInterval = 0.25 // seconds

    private let epoll: Int32
    private let wakeRead: Int32, wakeWrite: Int32
    private var handlers: [Int32: EventLoopHandler] = [:]   // loop thread only
    private var interests: [Int32: UInt32] = [:]           // loop thread only
    private let lock = NSLock()
    private var pending: [() -> Void] = []                  // guarded by lock
    private var stopping = false                            // guarded by lock
    private var exited = false                              // guarded by lock: the thread is gone
    private let finished = DispatchSemaphore(value: 0)
    private var threadID: pthread_t?
    /// Draws the trace and span ids of this loop's requests. Loop thread only, so the dynamic exclusivity
    /// check of an `inout` access to a class property (one per request) is left out.
    @exclusivity(unchecked) var traceRandom = TraceRandom()

    init(name: String) throws(SocketError) {
        epoll = epollshim_create()
        guard epoll >= 0 else { throw SocketError("epoll_create1") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            Glibc.close(epoll)
            throw SocketError("pipe")
        }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        epollshim_ctl(epoll, Self.add, wakeRead, UInt32(EPOLLSHIM_IN))
        // The thread keeps the loop alive while it runs; the loop does not keep the thread (a stored Thread
        // whose block captures self is a cycle that outlives `stop`).
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `work` on the loop thread (soon, in order). Safe from any thread.
    /// Work posted after the loop has exited is dropped: an asynchronous handler that outlives the server's
    /// grace period must not park its connection (and response) in a queue nobody will ever drain.
    func execute(_ work: @escaping () -> Void) {
        lock.withLock {
            guard !exited else { return }
            pending.append(work)
            // Under the lock: the loop closes the pipe only after setting `exited` under it, so this never
            // writes to a closed (or reused) descriptor. A full pipe already guarantees a wake-up.
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    /// Loop thread only.
    func register(_ fd: Int32, _ handler: EventLoopHandler, read: Bool, write: Bool) {
        handlers[fd] = handler
        interests[fd] = mask(read: read, write: write)
        epollshim_ctl(epoll, Self.add, fd, interests[fd]!)
    }

    /// Loop thread only; a no-op when the interest is unchanged (no syscall on the hot path).
    func setInterest(_ fd: Int32, read: Bool, write: Bool) {
        let wanted = mask(read: read, write: write)
        guard let current = interests[fd], current != wanted else { return }
        interests[fd] = wanted
        epollshim_ctl(epoll, Self.modify, fd, wanted)
    }

    /// Loop thread only; call before closing the descriptor.
    func unregister(_ fd: Int32) {
        handlers[fd] = nil
        interests[fd] = nil
        epollshim_ctl(epoll, Self.delete, fd, 0)
    }

    private static let add: Int32 = 1, delete: Int32 = 2, modify: Int32 = 3
    private static let readMask = UInt32(EPOLLSHIM_IN | EPOLLSHIM_RDHUP), writeMask = UInt32(EPOLLSHIM_OUT)
    private static let inputOrHangup = UInt32(EPOLLSHIM_IN | EPOLLSHIM_ERR | EPOLLSHIM_HUP | EPOLLSHIM_RDHUP)

    private func mask(read: Bool, write: Bool) -> UInt32 {
        (read ? Self.readMask : 0) | (write ? Self.writeMask : 0)
    }

    /// Stops the loop after pending work has run; returns once the thread has exited and its descriptors are closed.
    func stop() {
        lock.withLock { stopping = true }
        execute {}
        finished.wait()
    }

    private func run() {
        var readyFDs = [Int32](repeating: 0, count: 256)
        var readyEvents = [UInt32](repeating: 0, count: 256)
        var nextTick = Monotonic.now() + Self.tickInterval
        while true {
            // Rounded up: truncated, the last millisecond before each tick was a busy loop of epoll_wait(0)
            // (~1000 calls per tick per loop, most of the loops' system calls when idle).
            let timeout = max(0, Int32(((nextTick - Monotonic.now()) * 1000).rounded(.up)))
            let count = epollshim_wait(epoll, &readyFDs, &readyEvents, Int32(readyFDs.count), timeout)
            for i in 0..<max(0, Int(count)) {
                let fd = readyFDs[i]
                let flags = readyEvents[i]
                if fd == wakeRead {
                    var sink = [UInt8](repeating: 0, count: 256)
                    while read(wakeRead, &sink, sink.count) > 0 {}
                    continue
                }
                // A handler may close its own or another descriptor while we iterate: look it up each time.
                if flags & Self.inputOrHangup != 0 { handlers[fd]?.readable() }
                if flags & Self.writeMask != 0 { handlers[fd]?.writable() }
            }
            let (work, stop): ([() -> Void], Bool) = lock.withLock {
                defer { pending.removeAll(keepingCapacity: true) }
                return (pending, stopping)
            }
            work.forEach { $0() }
            if Monotonic.now() >= nextTick {
                nextTick = Monotonic.now() + Self.tickInterval
                for handler in Array(handlers.values) { handler.tick() }
            }
            if stop && lock.withLock({ pending.isEmpty }) { break }
        }
        lock.withLock {
            exited = true
            pending.removeAll()
        }
        handlers.removeAll() // connections still registered at exit are released with the loop's references
        Glibc.close(epoll)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
        finished.signal()
    }
}
