import ShuffleNet

/// A model as the service serves it: the loaded file, its weights packed once, and one warmed classifier
/// (a session: every activation buffer) per pool worker — built on the side before the model is published,
/// so that no request pays for it. Immutable once published; a reload publishes a new one. Requests hold the
/// `ServedModel` they started with, so an old one (and its memory map) is released when its last request ends.
public final class ServedModel: @unchecked Sendable {
    public let model: ShuffleNetModel
    public let path: String
    /// Counts publications under this name: 1 at start, +1 per reload or load.
    public let generation: Int
    /// classifiers[i] belongs to pool worker i and is used only on that worker's thread.
    private let classifiers: [ImageClassifier]

    public var name: String { model.name }
    /// "float32" or "int8" (a quantized file runs on the int8 engine).
    public let precision: String

    init(model: ShuffleNetModel, path: String, generation: Int, workers: Int, kernels: KernelSet) {
        self.model = model
        self.path = path
        self.generation = generation
        let engine = EngineWeights(model)
        precision = engine.precision
        classifiers = (0..<workers).map { _ in
            let classifier = ImageClassifier(model: model, engine: engine, kernels: kernels)
            // One pass touches every buffer and weight page before the model is published.
            _ = classifier.run([.synthetic(seed: 1)])
            return classifier
        }
    }

    /// Worker `worker`'s classifier.
    func classifier(worker: Int) -> ImageClassifier { classifiers[worker] }
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
