import Dispatch
import Foundation
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
    private let directories: ModelDirectories
    // Models the repository index lists as UNAVAILABLE (unloaded, or a load that failed): name → (path, reason).
    private let recordsLock = NSLock()
    private var unavailable: [String: (path: String?, reason: String)] = [:]

    init(registry: ModelRegistry, loader: ModelLoader, startPaths: [String], directories: ModelDirectories, metrics: ServiceMetrics, logger: Logger) {
        self.registry = registry
        self.directories = directories
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

    /// The repository index: every served model READY, then the unloaded or failed ones UNAVAILABLE.
    func index() -> [(name: String, state: String, reason: String)] {
        let served = registry.all
        let others = recordsLock.withLock { unavailable }
            .filter { name, _ in !served.contains { $0.name == name } }
            .sorted { $0.key < $1.key }
        return served.map { ($0.name, "READY", "") } + others.map { ($0.key, "UNAVAILABLE", $0.value.reason) }
    }

    /// The repository API's load: `requestedPath` (inside --model-dir), else the file the model was last
    /// served from, else `<dir>/<name>.safetensors`. The file must hold a model of that name.
    func load(name: String, requestedPath: String?) async -> Result<ServedModel, RepositoryError> {
        await onQueue {
            let path: String
            if let requestedPath {
                switch self.directories.resolve(requestedPath) {
                case .success(let resolved): path = resolved
                case .failure(let refusal): return .failure(.badRequest(refusal.description))
                }
            } else if let known = self.registry.named(name)?.path ?? self.recordsLock.withLock({ self.unavailable[name]?.path }) {
                path = known
            } else if let found = self.directories.file(forModel: name) {
                path = found
            } else {
                return .failure(.badRequest("no file for model '\(String(name.prefix(64)))': give parameters.path (a file under --model-dir)"))
            }
            switch self.publish(path: path, expectedName: name) {
            case .success(let model):
                self.recordsLock.withLock { self.unavailable[name] = nil }
                return .success(model)
            case .failure(let error):
                self.recordsLock.withLock { self.unavailable[name] = (path, error.description) }
                return .failure(.loadFailed(error.description))
            }
        }
    }

    /// Stops serving `name` (the repository API's unload); requests already holding it finish on it.
    func unload(_ name: String) async -> Result<ServedModel, ModelRegistry.RegistryRefusal> {
        await onQueue {
            let result = self.registry.remove(name)
            if case .success(let model) = result {
                self.recordsLock.withLock { self.unavailable[name] = (model.path, "unloaded") }
                self.metrics.modelsChanged(self.registry.all)
                self.logger.notice("model unloaded", metadata: ["model": "\(model.name)", "path": "\(model.path)"])
            }
            return result
        }
    }

    /// Runs on `changes`.
    private func publish(path: String, expectedName: String? = nil) -> Result<ServedModel, ModelLoader.LoadError> {
        let generation = (generations[path] ?? 0) + 1
        do throws(ModelLoader.LoadError) {
            let model = try loader.load(path: path, generation: generation)
            if let expectedName, model.name != expectedName {
                throw .unreadable(path: path, reason: "the file holds model '\(model.name)', not '\(expectedName)'")
            }
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
