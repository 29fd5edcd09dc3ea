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

    /// The model called `name`, or the default (first) one for nil.
    public func named(_ name: String?) -> ServedModel? {
        lock.withLock {
            guard let name else { return models.first }
            return models.first { $0.name == name }
        }
    }
}
