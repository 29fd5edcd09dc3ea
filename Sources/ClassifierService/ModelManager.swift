import Dispatch
import Logging

/// Changes to the served models while the service runs: SIGHUP's reload of every file given at start, and
/// the repository API's load and unload. One change at a time (a serial queue); each new model is loaded,
/// validated, packed and warmed on the side and then published atomically, so no request is dropped and none
/// sees a half-made model. A file that fails leaves the model it would have replaced serving.
final class ModelManager: @unchecked Sendable {
    let registry: ModelRegistry
    private let loader: ModelLoader
    private let startPaths: [String]     // the --model list as given (directories re-listed on reload)
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let changes = DispatchQueue(label: "model-changes")
    private var generations: [String: Int] = [:]   // by path; touched only on `changes`

    init(registry: ModelRegistry, loader: ModelLoader, startPaths: [String], metrics: ServiceMetrics, logger: Logger) {
        self.registry = registry
        self.loader = loader
        self.startPaths = startPaths
        self.metrics = metrics
        self.logger = logger
        for model in registry.all { generations[model.path] = model.generation }
    }

    /// Re-reads every model file given at start. Returns (succeeded, failed) counts when done.
    @discardableResult
    func reloadAll() async -> (reloaded: Int, failed: Int) {
        await onQueue {
            let paths: [String]
            do {
                paths = try ModelFiles.expand(self.startPaths)
            } catch {
                self.logger.error("model reload: \(error)")
                self.metrics.reload(model: "", result: "failure")
                return (0, 1)
            }
            var counts = (reloaded: 0, failed: 0)
            for path in paths {
                switch self.publish(path: path) {
                case .success: counts.reloaded += 1
                case .failure: counts.failed += 1
                }
            }
            return counts
        }
    }

    /// Loads `path` and publishes it (the repository API's load).
    func load(path: String) async -> Result<ServedModel, ModelLoader.LoadError> {
        await onQueue { self.publish(path: path) }
    }

    /// Stops serving `name` (the repository API's unload); requests already holding it finish on it.
    func unload(_ name: String) async -> Result<ServedModel, ModelRegistry.RegistryRefusal> {
        await onQueue {
            let result = self.registry.remove(name)
            if case .success(let model) = result {
                self.metrics.modelsChanged(self.registry.all)
                self.logger.notice("model unloaded", metadata: ["model": "\(model.name)", "path": "\(model.path)"])
            }
            return result
        }
    }

    /// Runs on `changes`.
    private func publish(path: String) -> Result<ServedModel, ModelLoader.LoadError> {
        let generation = (generations[path] ?? 0) + 1
        do {
            let model = try loader.load(path: path, generation: generation)
            generations[path] = generation
            let replaced = registry.publish(model)
            metrics.reload(model: model.name, result: "success")
            metrics.modelsChanged(registry.all)
            logger.notice("model published", metadata: ["model": "\(model.name)", "path": "\(path)", "generation": "\(generation)",
                                                        "replaced": "\(replaced.map { "\($0.name) generation \($0.generation)" } ?? "none")"])
            return .success(model)
        } catch {
            let name = registry.all.first { $0.path == path }?.name ?? ""
            metrics.reload(model: name, result: "failure")
            logger.error("model not reloaded; the previous one keeps serving", metadata: ["path": "\(path)", "reason": "\(error)"])
            return .failure(error)
        }
    }

    private func onQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in changes.async { continuation.resume(returning: work()) } }
    }
}
