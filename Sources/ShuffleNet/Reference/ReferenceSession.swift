/// A model held for the reference forward pass (`ReferenceNetwork`: scalar NCHW kernels, allocating as it goes),
/// the oracle the SIMD engine is tested against; `shufflenet bench --reference` times it beside the engine.
/// Serving and classification run `InferenceSession`.
public final class ReferenceSession {
    public let weights: ShuffleNetWeights

    public init(weights: ShuffleNetWeights) {
        self.weights = weights
    }

    /// Logits for one preprocessed image (3 × inputSize × inputSize, NCHW).
    public func logits(for input: Activation) -> [Float] {
        ReferenceNetwork.logits(weights, input: input)
    }
}
