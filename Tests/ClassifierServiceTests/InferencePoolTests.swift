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
