import Foundation
import HTTP
import Logging
import MonotonicClock
import ShuffleNet

/// `shufflenet serve`: models, worker pool, HTTP server, metrics and the shutdown sequence, wired together.
public final class ClassifierService: @unchecked Sendable {
    public let configuration: ServiceConfiguration
    private let logger: Logger
    private let state = ServiceState()
    private var server: HTTPServer?
    private var pool: InferencePool<Int>?
    private var manager: ModelManager?

    public init(configuration: ServiceConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The bound port (after `start`).
    public var port: UInt16 { server?.port ?? 0 }

    /// Loads every model and builds and warms its per-worker classifiers, starts the workers, then binds and serves.
    /// Readiness turns green only once every worker has run every model once.
    public func start() throws(ServiceError) {
        let started = Monotonic.now()
        let apiKeys = try APIKeyFile.load(configuration.apiKeyFile, logger: logger)
        let workers = configuration.workers ?? CPUBudget.available()
        guard workers >= 1, configuration.queueCapacity >= 1 else { throw .startup("workers and queue size must be at least 1") }
        logger.info("inference workers", metadata: ["workers": "\(workers)", "kernels": "\(configuration.kernels)", "queue": "\(configuration.queueCapacity)"])
        let loader = ModelLoader(workers: workers, kernels: configuration.kernels)
        var served: [ServedModel] = []
        for path in try ModelFiles.expand(configuration.modelPaths) {
            do {
                served.append(try loader.load(path: path, generation: 1))
            } catch {
                throw .startup(error.description)
            }
            logger.info("loaded model", metadata: ["model": "\(served.last!.name)", "path": "\(path)", "arch": "\(served.last!.model.config)"])
        }
        let models = try ModelRegistry(served)
        // Each worker's state is its index: it runs ServedModel.classifier(worker:) of whichever model a job names.
        let pool = InferencePool<Int>(workers: workers, capacity: configuration.queueCapacity) { index in index }
        self.pool = pool
        let metrics = ServiceMetrics(workers: workers, models: models.all)
        let manager = ModelManager(registry: models, loader: loader, startPaths: configuration.modelPaths,
                                   directories: ModelDirectories(configuration.modelDirectories), metrics: metrics, logger: logger)
        self.manager = manager
        let api = ClassifierAPI(models: models, manager: manager, pool: pool, metrics: metrics, configuration: configuration, state: state)
        let logger = self.logger
        do {
            let server = try HTTPServer(configuration: configuration.server(apiKeys: apiKeys), router: api.router()) { event in
                metrics.request(route: event.route ?? "unmatched", method: event.method.isEmpty ? "invalid" : event.method,
                                status: event.status, seconds: event.durationSeconds)
                logger.info("request", metadata: AccessLog.metadata(event))
            }
            try server.start()
            self.server = server
        } catch {
            pool.shutdown(timeout: 1)
            throw .startup("cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        logger.info("listening", metadata: ["host": "\(configuration.host)", "port": "\(port)", "workers": "\(workers)",
                                            "queue": "\(configuration.queueCapacity)", "tls": "\(configuration.tlsCertificate != nil)"])
        // Every model's classifiers were built and warmed before it was registered.
        state.becameReady()
        logger.info("ready", metadata: ["startup_seconds": "\(String(format: "%.3f", Monotonic.since(started)))"])
    }

    /// Waits until every worker is warm (for tests and the CLI's own readiness).
    public func waitUntilReady(timeout: Double = 60) -> Bool {
        let deadline = Monotonic.now() + timeout
        while Monotonic.now() < deadline {
            if state.readiness == .ready { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return false
    }

    /// The shutdown sequence: readiness fails at once; after `drainDelay` the listener closes; in-flight and
    /// queued requests are answered within `shutdownTimeout`; then the workers stop.
    public func shutdown() async {
        state.draining()
        logger.info("shutting down", metadata: ["drain_delay": "\(configuration.drainDelay)", "timeout": "\(configuration.shutdownTimeout)"])
        if configuration.drainDelay > 0 { try? await Task.sleep(nanoseconds: UInt64(configuration.drainDelay * 1e9)) }
        await server?.shutdown(gracePeriod: configuration.shutdownTimeout)
        pool?.shutdown(timeout: 5)
        logger.info("stopped")
    }

    /// Re-reads every model file given at start (what SIGHUP does).
    public func reload() async {
        guard let manager else { return }
        let counts = await manager.reloadAll()
        logger.notice("reload finished", metadata: ["reloaded": "\(counts.reloaded)", "failed": "\(counts.failed)"])
    }

    /// Re-reads `--api-key-file` and swaps the keys requests are checked against (for SIGHUP). A file that
    /// cannot be read or holds no valid key leaves the keys in force and logs why. Returns whether the keys
    /// were replaced; false too when the service runs without a key file.
    @discardableResult
    public func reloadAPIKeys() -> Bool {
        guard let path = configuration.apiKeyFile, let server else { return false }
        return APIKeyFile.reload(path, into: server, logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully; SIGHUP reloads the models meanwhile.
    public func runUntilSignalled() async throws(ServiceError) {
        try start()
        let signalled = AsyncStream<Int32> { continuation in
            for number in [SIGTERM, SIGINT, SIGHUP] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                Self.signalSources.append(source)
            }
        }
        for await number in signalled {
            if number == SIGHUP {
                // Reload the key file and the models on the side; serving goes on. Several SIGHUPs queue one reload each.
                logger.notice("received signal", metadata: ["signal": "SIGHUP"])
                Task { [self] in
                    reloadAPIKeys()
                    await reload()
                }
                continue
            }
            logger.notice("received signal", metadata: ["signal": "\(number == SIGTERM ? "SIGTERM" : "SIGINT")"])
            break
        }
        await shutdown()
    }

    nonisolated(unsafe) private static var signalSources: [DispatchSourceSignal] = []
}
