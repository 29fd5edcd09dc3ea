import ShuffleNet

/// One pool worker's private state: an `ImageClassifier` (a session: every activation buffer) per model,
/// over weights packed once and shared by all workers. Built and warmed on the worker's own thread.
struct Workbench {
    private var classifiers: [String: ImageClassifier] = [:]

    init(models: [ShuffleNetModel], networks: [String: PackedNetwork], kernels: KernelSet) {
        for model in models {
            let classifier = ImageClassifier(model: model, network: networks[model.name]!, kernels: kernels)
            // One pass touches every buffer and weight page before readiness turns green.
            _ = classifier.run([.synthetic(seed: 1)])
            classifiers[model.name] = classifier
        }
    }

    /// The classifier for a model this service loaded (callers resolve names against `LoadedModels` first).
    func classifier(_ model: String) -> ImageClassifier {
        guard let classifier = classifiers[model] else {
            preconditionFailure("no classifier for model '\(model)': names are checked against LoadedModels before queueing")
        }
        return classifier
    }
}
