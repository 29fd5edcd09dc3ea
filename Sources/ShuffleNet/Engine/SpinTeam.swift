import Foundation
import Synchronization

/// A fork-join team for one inference session: the caller and `size − 1` helper threads each take a part of
/// a step. Synchronisation is two atomics and spinning (a semaphore wake-up costs microseconds, and a network has
/// ~50 steps); helpers that stay idle back off to short sleeps so an idle session costs almost no CPU.
/// Steps are plain values, so starting one allocates nothing.
final class SpinTeam<Step: Sendable>: @unchecked Sendable {
    // `step` is written by the caller before `generation` is bumped (release) and read by helpers after they
    // see the bump (acquire); it is not touched again until every helper has counted itself out.
    let size: Int
    private var step: Step
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)
    private let work: @Sendable (Step, _ part: Int, _ parts: Int) -> Void

    init(size: Int, idle: Step, work: @escaping @Sendable (Step, Int, Int) -> Void) {
        self.size = max(1, size)
        self.step = idle
        self.work = work
        for helper in 1..<self.size {
            let thread = Thread { [self] in
                loop(part: helper)
                exited.signal()
            }
            thread.name = "shufflenet-intraop-\(helper)"
            thread.stackSize = 4 << 20
            thread.start()
        }
    }

    /// Runs `step` split into `size` parts; returns when every part is done.
    func run(_ step: Step) {
        self.step = step
        remaining.store(size - 1, ordering: .relaxed)
        generation.add(1, ordering: .releasing)
        work(step, 0, size)
        var spins = 0
        while remaining.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins > 100_000 { sched_yield() }
        }
    }

    private func loop(part: Int) {
        // The baseline is the generation at construction, not at thread start: a step posted before this
        // thread got going must still be seen (each run bumps by one and waits for every helper).
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                if stopping.load(ordering: .relaxed) { return }
                spins += 1
                if spins > 200_000 { usleep(50) } else if spins > 20_000 { sched_yield() }
            }
            seen += 1
            work(step, part, size)
            remaining.subtract(1, ordering: .releasing)
        }
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        for _ in 1..<size { exited.wait() }
    }
}
