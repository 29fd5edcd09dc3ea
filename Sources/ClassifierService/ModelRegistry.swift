import Foundation

/// The models being served, in order (the first is the default), swapped atomically: a reader gets a
/// consistent snapshot, and a model replaced while requests use it stays alive for them.
public final class ModelRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [ServedModel]   // guarded by lock; never empty once started

    init(_ models: [ServedModel]) throws(ServiceError) {
        guard !models.isEmpty else { throw .startup("no model to serve") }
        var seen = Set<String>()
        for model in models where !seen.insert(model.name).inserted {
            throw .startup("two models are named '\(model.name)'; give each file a distinct name")
        }
        self.models = models
    }

    /// Every served model, in order.
    public var all: [ServedModel] { lock.withLock { models } }
    public var names: [String] { all.map(\.name) }

    /// Publishes `model`: it takes the place of the model loaded from the same path or with the same name
    /// (keeping that position), else it is added last. Returns the model it replaced.
    @discardableResult
    func publish(_ model: ServedModel) -> ServedModel? {
        lock.withLock {
            // Always a new array, never a write into the old one: readers iterate the snapshot they were given
            // (`all`) without the lock, so the published buffer must never change under them.
            if let i = models.firstIndex(where: { $0.path == model.path || $0.name == model.name }) {
                let old = models[i]
                models = models.indices.compactMap { j in
                    if j == i { return model }
                    // A file that now holds a model of another name must not leave two entries of that name.
                    return models[j].name == model.name ? nil : models[j]
                }
                return old
            }
            models = models + [model]
            return nil
        }
    }

    /// Removes the model called `name`; the last model is never removed (the service would serve nothing).
    func remove(_ name: String) -> Result<ServedModel, RegistryRefusal> {
        lock.withLock {
            guard let i = models.firstIndex(where: { $0.name == name }) else { return .failure(.unknown(name)) }
            guard models.count > 1 else { return .failure(.lastModel(name)) }
            let removed = models[i]
            models = models.filter { $0 !== removed }   // a new array: see `publish`
            return .success(removed)
        }
    }

    enum RegistryRefusal: Error, Equatable { case unknown(String), lastModel(String) }

    /// The model called `name`, or the default (first) one for nil.
    public func named(_ name: String?) -> ServedModel? {
        lock.withLock {
            guard let name else { return models.first }
            return models.first { $0.name == name }
        }
    }
}
