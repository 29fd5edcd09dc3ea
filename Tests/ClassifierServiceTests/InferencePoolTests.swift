@testable import ClassifierService
import XCTest

final class InferencePoolTests: XCTestCase {
    final class Payload: @unchecked Sendable { let bytes = [UInt8](repeating: 1, count: 1 << 20) }

    /// A finished job must not keep what it captured (in the service: the uploaded image) alive.
    func testFinishedJobsReleaseWhatTheyCaptured() async throws {
        let pool = InferencePool<Int>(workers: 1, capacity: 8) { _ in 0 }
        defer { pool.shutdown(timeout: 5) }
        weak var released: Payload?
        do {
            let payload = Payload()
            released = payload
            let size = try await pool.submit(timeout: 5) { _, _ in payload.bytes.count }
            XCTAssertEqual(size, 1 << 20)
        }
        // Keep the worker busy with another job so the queue is not simply empty again.
        _ = try await pool.submit(timeout: 5) { _, _ in 0 }
        XCTAssertNil(released, "the pool still holds a finished job's closure")
    }

    func testAFullQueueRefusesAtOnce() async throws {
        let gate = DispatchSemaphore(value: 0)
        let pool = InferencePool<Int>(workers: 1, capacity: 1) { _ in 0 }
        defer { gate.signal(); gate.signal(); pool.shutdown(timeout: 5) }
        async let first: Int = pool.submit(timeout: 5) { _, _ in gate.wait(); return 1 }
        try await Task.sleep(nanoseconds: 100_000_000)
        async let second: Int = pool.submit(timeout: 5) { _, _ in 2 }
        try await Task.sleep(nanoseconds: 100_000_000)
        do {
            _ = try await pool.submit(timeout: 5) { _, _ in 3 }
            XCTFail("a third job fit into one worker and one slot")
        } catch {
            XCTAssertEqual(error, .queueFull(capacity: 1))
        }
        gate.signal()
        let results = try await (first, second)
        XCTAssertEqual(results.0, 1)
        XCTAssertEqual(results.1, 2)
    }
}

extension InferencePoolTests {
    /// A job of several parts is one queue entry, its parts run on different workers at once, and the results
    /// come back in part order.
    func testPartsOfOneJobRunInParallelAndInOrder() async throws {
        let pool = InferencePool<Int>(workers: 3, capacity: 1) { index in index }
        defer { pool.shutdown(timeout: 5) }
        let inside = DispatchGroup()
        for _ in 0..<3 { inside.enter() }
        let release = DispatchSemaphore(value: 0)
        let results = try await pool.submit(parts: 3, timeout: 5) { worker, part, _ -> [Int] in
            inside.leave()
            // Every part waits until all three are running: this only finishes if they run in parallel.
            if part == 0 {
                _ = inside.wait(timeout: .now() + 5)
                for _ in 0..<2 { release.signal() }
            } else {
                _ = release.wait(timeout: .now() + 5)
            }
            return [part, worker]
        }
        XCTAssertEqual(results.map { $0[0] }, [0, 1, 2])
        XCTAssertEqual(Set(results.map { $0[1] }).count, 3, "three workers took the three parts: \(results)")
    }

    /// The capacity counts jobs, not parts: a 5-part job fits a queue of one.
    func testAJobOfManyPartsTakesOneQueueSlot() async throws {
        let pool = InferencePool<Int>(workers: 1, capacity: 1) { _ in 0 }
        defer { pool.shutdown(timeout: 5) }
        let parts = try await pool.submit(parts: 5, timeout: 5) { _, part, _ in part * 10 }
        XCTAssertEqual(parts, [0, 10, 20, 30, 40])
    }

    /// A part whose deadline passes in the queue fails the whole job; the parts already taken still finish.
    func testAnExpiredPartFailsTheJob() async throws {
        let pool = InferencePool<Int>(workers: 1, capacity: 4) { _ in 0 }
        defer { pool.shutdown(timeout: 5) }
        do {
            _ = try await pool.submit(parts: 2, timeout: 0.2) { _, part, _ -> Int in
                if part == 0 { Thread.sleep(forTimeInterval: 0.4) }   // part 1 waits past its deadline
                return part
            }
            XCTFail("the second part ran after its deadline")
        } catch {
            guard case .deadlineExceeded = error else { return XCTFail("\(error)") }
        }
    }
}
