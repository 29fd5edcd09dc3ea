import ShuffleNet

/// The models a service instance serves, in the order given; the first is the default.
public struct LoadedModels: Sendable {
    public let all: [ShuffleNetModel]

    public init(_ models: [ShuffleNetModel]) throws(ServiceError) {
        guard !models.isEmpty else { throw .startup("no model to serve") }
        var seen = Set<String>()
        for model in models where !seen.insert(model.name).inserted {
            throw .startup("two models are named '\(model.name)'; give each file a distinct name")
        }
        all = models
    }

    public var names: [String] { all.map(\.name) }
    public var defaultModel: ShuffleNetModel { all[0] }

    public func named(_ name: String?) -> ShuffleNetModel? {
        guard let name else { return defaultModel }
        return all.first { $0.name == name }
    }
}

/// Failures while starting or running the service (not per-request errors).
public enum ServiceError: Error, Sendable, CustomStringConvertible {
    case startup(String)

    public var description: String {
        switch self {
        case .startup(let why): return why
        }
    }
}
