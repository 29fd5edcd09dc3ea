import Foundation
import MonotonicClock

/// Why the pool did not run a job.
public enum PoolRejection: Error, Sendable, Equatable {
    case queueFull(capacity: Int)
    case deadlineExceeded(waitedSeconds: Double)
    case shuttingDown
}

/// N worker threads behind one bounded FIFO queue. Each worker owns its per-model state (classifiers and
/// their sessions) for its whole life; jobs never run on the HTTP server's I/O threads. A full queue refuses
/// at once rather than letting callers pile up, and a part whose deadline passed while queued is not run.
///
/// A job may have several parts (a request of many images): it is one queue entry, counted once against
/// the capacity, and stays at the head until every part has been taken, so idle workers take its parts in
/// parallel.
public final class InferencePool<WorkerState>: @unchecked Sendable {
    // Guarded by `condition`.
    private struct Job {
        let enqueued: Double     // Monotonic seconds
        let deadline: Double     // Monotonic seconds
        let parts: Int
        var taken = 0            // parts handed to workers so far
        let run: (inout WorkerState, _ part: Int, _ waited: Double) -> Void
        let expire: (_ part: Int, PoolRejection) -> Void
    }

    public let workerCount: Int
    public let capacity: Int
    private let condition = NSCondition()
    private var queue: [Job?] = []   // taken slots are cleared at once: a job's closure holds its request's images
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
    /// Parts being run right now.
    public var busy: Int { condition.withLock { running } }

    /// Runs `body` on a worker with its state; `waited` is the seconds the job spent queued.
    public func submit<T: Sendable>(timeout: Double, _ body: @escaping (inout WorkerState, _ waited: Double) -> T) async throws(PoolRejection) -> T {
        try await submit(parts: 1, timeout: timeout) { state, _, waited in body(&state, waited) }[0]
    }

    /// Runs `body(state, part, waited)` for every part in 0..<parts, each on whichever worker is free, and
    /// returns the results in part order. The job is one entry of the queue. If any part's deadline passes
    /// before a worker takes it, the whole job fails with `deadlineExceeded` (the parts already running finish).
    public func submit<T: Sendable>(parts: Int, timeout: Double,
                                    _ body: @escaping (inout WorkerState, _ part: Int, _ waited: Double) -> T) async throws(PoolRejection) -> [T] {
        precondition(parts >= 1, "a job has at least one part")
        let result: Result<[T], PoolRejection> = await withCheckedContinuation { continuation in
            let collector = PartCollector<T>(parts: parts) { continuation.resume(returning: $0) }
            let now = Monotonic.now()
            let job = Job(enqueued: now, deadline: now + timeout, parts: parts,
                          run: { state, part, waited in collector.deliver(part, body(&state, part, waited)) },
                          expire: { part, rejection in collector.fail(part, rejection) })
            let refusal: PoolRejection? = condition.withLock {
                if stopping { return .shuttingDown }
                if queue.count - head >= capacity { return .queueFull(capacity: capacity) }
                queue.append(job)
                if parts == 1 { condition.signal() } else { condition.broadcast() }
                return nil
            }
            if let refusal { collector.refuse(refusal) }
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
            let part = job.taken
            if part + 1 < job.parts {
                queue[head]!.taken += 1   // more parts: the job stays at the head for the next free worker
            } else {
                takeHead()
            }
            running += 1
            condition.unlock()

            let now = Monotonic.now()
            if now > job.deadline {
                job.expire(part, .deadlineExceeded(waitedSeconds: now - job.enqueued))
            } else {
                job.run(&state, part, now - job.enqueued)
            }
            condition.withLock { running -= 1 }
        }
    }

    /// Removes the head job (caller holds the lock), compacting the queue now and then.
    private func takeHead() {
        queue[head] = nil
        head += 1
        if head == queue.count {
            queue.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 && head * 2 > queue.count {
            queue.removeFirst(head) // amortised compaction under sustained load
            head = 0
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

/// Gathers the results of a job's parts (delivered from several worker threads) and completes once:
/// with every result in part order, or with the first rejection once every part has reported.
private final class PartCollector<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [T?]
    private var reported = 0
    private var rejection: PoolRejection?
    private let complete: (Result<[T], PoolRejection>) -> Void

    init(parts: Int, complete: @escaping (Result<[T], PoolRejection>) -> Void) {
        results = Array(repeating: nil, count: parts)
        self.complete = complete
    }

    func deliver(_ part: Int, _ value: T) { report { results[part] = value } }
    func fail(_ part: Int, _ why: PoolRejection) { report { if rejection == nil { rejection = why } } }
    /// The job never entered the queue.
    func refuse(_ why: PoolRejection) { complete(.failure(why)) }

    private func report(_ record: () -> Void) {
        let outcome: Result<[T], PoolRejection>? = lock.withLock {
            record()
            reported += 1
            guard reported == results.count else { return nil }
            if let rejection { return .failure(rejection) }
            return .success(results.map { $0! })
        }
        if let outcome {
            results = []   // the collector may outlive the request briefly; drop the results now
            complete(outcome)
        }
    }
}
