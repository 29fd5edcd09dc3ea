import ShuffleNet

/// Reads, validates and prepares a model for serving: the same steps at start, on SIGHUP and for the
/// repository API, so a file that would not start the service is never published by a reload either.
/// Models without class labels are served too: their classes are named "class <i>" in every response.
struct ModelLoader: Sendable {
    let workers: Int
    let kernels: KernelSet

    enum LoadError: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)

        var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot load model \(path): \(reason)"
            }
        }
    }

    /// Loads `path` (memory-mapped, validated), packs its weights and builds and warms a classifier per worker.
    func load(path: String, generation: Int) throws(LoadError) -> ServedModel {
        let model: ShuffleNetModel
        do {
            model = try ShuffleNetModel.load(path: path)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        return ServedModel(model: model, path: path, generation: generation, workers: workers, kernels: kernels)
    }
}
