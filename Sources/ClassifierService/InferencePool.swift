import Foundation
import MonotonicClock

/// Why the pool did not run a job.
public enum PoolRejection: Error, Sendable, Equatable {
    case queueFull(capacity: Int)
    case deadlineExceeded(waitedSeconds: Double)
    case shuttingDown
}

/// N worker threads behind one bounded FIFO queue. Each worker owns its per-model state (an inference
/// session) for its whole life; jobs never run on the HTTP server's I/O threads. A full queue refuses at
/// once rather than letting callers pile up, and a job whose deadline passed while queued is not run.
public final class InferencePool<WorkerState>: @unchecked Sendable {
    // Guarded by `condition`.
    private struct Job {
        let enqueued: Double
        let deadline: Double
        let run: (inout WorkerState, _ waited: Double) -> Void
        let expire: (PoolRejection) -> Void
    }

    public let workerCount: Int
    public let capacity: Int
    private let condition = NSCondition()
    private var queue: [Job?] = []   // taken slots are cleared at once: a job's closure holds its request's image
    private var head = 0
    private var running = 0
    private var stopping = false
    private let finished = DispatchGroup()

    /// - Parameter makeState: builds one worker's private state (called on that worker's thread).
    public init(workers: Int, capacity: Int, name: String = "inference", makeState: @escaping @Sendable (Int) -> WorkerState) {
        workerCount = max(1, workers)
        self.capacity = max(1, capacity)
        for index in 0..<workerCount {
            finished.enter()
            // Not stored: each thread keeps the pool alive while it runs, and nothing keeps a finished
            // thread (and its block, which captures the pool) alive afterwards.
            let thread = Thread { [self] in
                var state = makeState(index)
                work(&state)
                finished.leave()
            }
            thread.name = "\(name)-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Jobs waiting for a worker.
    public var depth: Int { condition.withLock { queue.count - head } }
    /// Jobs being run right now.
    public var busy: Int { condition.withLock { running } }

    /// Runs `body` on a worker with its state; `waited` is the seconds the job spent queued.
    public func submit<T: Sendable>(timeout: Double, _ body: @escaping (inout WorkerState, _ waited: Double) -> T) async throws(PoolRejection) -> T {
        let result: Result<T, PoolRejection> = await withCheckedContinuation { continuation in
            let now = Monotonic.now()
            let job = Job(enqueued: now, deadline: now + timeout,
                          run: { state, waited in continuation.resume(returning: .success(body(&state, waited))) },
                          expire: { continuation.resume(returning: .failure($0)) })
            let refusal: PoolRejection? = condition.withLock {
                if stopping { return .shuttingDown }
                if queue.count - head >= capacity { return .queueFull(capacity: capacity) }
                queue.append(job)
                condition.signal()
                return nil
            }
            if let refusal { job.expire(refusal) }
        }
        return try result.get()
    }

    private func work(_ state: inout WorkerState) {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count && stopping {
                condition.unlock()
                return
            }
            let job = queue[head]!
            queue[head] = nil
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head) // amortised compaction under sustained load
                head = 0
            }
            running += 1
            condition.unlock()

            let now = Monotonic.now()
            if now > job.deadline {
                job.expire(.deadlineExceeded(waitedSeconds: now - job.enqueued))
            } else {
                job.run(&state, now - job.enqueued)
            }
            condition.withLock { running -= 1 }
        }
    }

    /// Lets queued jobs finish, then stops the workers. Waits up to `timeout` seconds for them.
    public func shutdown(timeout: Double) {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
        _ = finished.wait(timeout: .now() + timeout)
    }
}
