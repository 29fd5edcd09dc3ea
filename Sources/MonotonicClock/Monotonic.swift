#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The project's one clock: seconds on a monotonic timeline (CLOCK_MONOTONIC), for durations, deadlines and
/// timeouts. Wall-clock time (log timestamps) is not this clock's job.
///
/// Every module that measures time reads this, so a duration computed in the HTTP server, the pool and the
/// engine's profiler are on the same scale and can be subtracted from one another.
public enum Monotonic {
    /// Seconds since an arbitrary fixed point (boot on Linux). Resolution: nanoseconds; cost: one vDSO call.
    @inline(__always)
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Seconds elapsed since `start` (a value of `now()`).
    @inline(__always)
    public static func since(_ start: Double) -> Double { now() - start }
}
