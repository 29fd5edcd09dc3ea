/// One worker's handle on a model for the reference forward pass. The fast engine (SIMD kernels,
/// preallocated buffers) will offer the same `logits(for:)`; until then this is what the pool runs.
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
