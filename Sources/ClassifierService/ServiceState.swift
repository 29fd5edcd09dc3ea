import Foundation

/// Whether the service should receive traffic. Read by /readyz and /classify from any thread.
final class ServiceState: @unchecked Sendable {
    enum Readiness: Equatable { case ready, notReady(String) }

    private let lock = NSLock()
    private var current = Readiness.notReady("loading and warming up models")

    var readiness: Readiness { lock.withLock { current } }

    func set(_ readiness: Readiness) { lock.withLock { current = readiness } }
}
