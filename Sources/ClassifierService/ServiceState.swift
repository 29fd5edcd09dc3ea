import Foundation

/// Whether the service should receive traffic (/readyz) and whether it takes work (/classify).
/// They differ while draining: readiness fails at once so load balancers stop sending, but requests that
/// still arrive are served until the listener closes. Read from any thread.
final class ServiceState: @unchecked Sendable {
    enum Readiness: Equatable { case ready, notReady(String) }

    private let lock = NSLock()
    private var current = Readiness.notReady("loading and warming up models")
    private var warm = false

    var readiness: Readiness { lock.withLock { current } }
    /// False only until every model is loaded and its classifiers warmed.
    var acceptsWork: Bool { lock.withLock { warm } }

    func becameReady() {
        lock.withLock {
            warm = true
            current = .ready
        }
    }

    func draining() { lock.withLock { current = .notReady("shutting down") } }
}
