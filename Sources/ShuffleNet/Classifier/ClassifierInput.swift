/// One image handed to `ImageClassifier`, in one of the forms a caller has.
public enum ClassifierInput: Sendable {
    /// Decoded 8-bit RGB: `pixels` is height × width × 3 bytes, row-major. The classifier resizes, crops and
    /// normalises it as the model's `Preprocessing` says.
    case rgb(pixels: [UInt8], width: Int, height: Int)
    /// An already preprocessed image: 3 × S × S floats, NCHW (S = the model's input size), starting at
    /// `offset` in `values` — so a batch of N tensors in one array is passed without copying it.
    case tensor(values: [Float], offset: Int)
    /// The same tensor as little-endian FP32 bytes (4 × 3 × S × S of them from byte `offset`, any alignment):
    /// binary tensor data still in the request body it came in, converted straight into the session's input.
    case fp32LittleEndian(bytes: [UInt8], offset: Int)
    /// Deterministic pseudo-random samples 0…255 (SplitMix64 from `seed`) in the model's input layout:
    /// what benchmarks and warm-up feed when no photo matters.
    case synthetic(seed: UInt64)

    /// The synthetic input as an NCHW tensor (3 × side × side), for the scalar reference pass.
    public static func syntheticTensor(side: Int, seed: UInt64) -> Activation {
        var tensor = Activation(channels: 3, height: side, width: side)
        synthetic(side: side, seed: seed) { c, p, value in tensor.data[c * side * side + p] = value }
        return tensor
    }

    /// Calls `store(channel, pixel, value)` for every sample of the synthetic input, in NCHW order (channel
    /// by channel, pixels row-major): the one definition both layouts are filled from.
    static func synthetic(side: Int, seed: UInt64, _ store: (Int, Int, Float) -> Void) {
        var generator = SplitMix64(seed: seed)
        for c in 0..<3 {
            for p in 0..<(side * side) { store(c, p, Float(generator.next() % 256)) }
        }
    }
}

/// What a batch produced, and where its time went.
public struct ClassifierOutput: Sendable {
    /// [batch][classes] raw scores, one array per image.
    public let logits: [[Float]]
    /// Seconds spent resizing, cropping and normalising into the session's input (0 for tensors).
    public let preprocessSeconds: Double
    /// Seconds in the network, for the whole batch.
    public let inferenceSeconds: Double
}

/// One image's ranked classes.
public struct RankedImage: Sendable {
    /// The k most probable classes, most probable first (ties by lower index).
    public let predictions: [Prediction]
    /// Softmax of the logits, all classes.
    public let probabilities: [Float]
}
