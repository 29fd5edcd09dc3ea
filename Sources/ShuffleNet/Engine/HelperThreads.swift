import Foundation

/// A session's own helper threads for batch inference: each is given a range of images per call and
/// signals when done. Hand-off uses semaphores only, so a call allocates nothing.
final class HelperThreads: @unchecked Sendable {
    // `ranges` is written by the caller before signalling `go` and read by helpers after waiting on it.
    private var ranges: [Range<Int>]
    private let go: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)
    private var active = 0
    private var stopping = false
    private var threads: [Thread] = []

    init(count: Int, work: @escaping @Sendable (_ helper: Int, _ images: Range<Int>) -> Void) {
        ranges = [Range<Int>](repeating: 0..<0, count: count)
        go = (0..<count).map { _ in DispatchSemaphore(value: 0) }
        for helper in 0..<count {
            // Strong capture: a helper keeps this object alive until it has seen `stopping` and exited.
            let thread = Thread { [self] in
                while true {
                    go[helper].wait()
                    if stopping { break }
                    work(helper, ranges[helper])
                    done.signal()
                }
                exited.signal()
            }
            thread.name = "shufflenet-batch-\(helper)"
            thread.stackSize = 4 << 20
            threads.append(thread)
            thread.start()
        }
    }

    /// Splits images [0, batch) into chunks of `per`; the caller keeps the first chunk, helper k takes
    /// chunk k + 1. Returns the caller's chunk.
    func start(batch: Int, per: Int) -> Range<Int> {
        active = 0
        var next = per
        while next < batch && active < go.count {
            ranges[active] = next..<min(batch, next + per)
            go[active].signal()
            active += 1
            next += per
        }
        return 0..<min(batch, per)
    }

    func wait() {
        for _ in 0..<active { done.wait() }
        active = 0
    }

    /// Ends the helpers and waits until they have exited (they must not run work after the session is gone).
    func stop() {
        stopping = true
        go.forEach { $0.signal() }
        for _ in go { exited.wait() }
    }
}
