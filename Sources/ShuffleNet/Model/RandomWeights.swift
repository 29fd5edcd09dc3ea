/// Deterministic random weights for an architecture (benchmarks of presets without checkpoints).
/// He-style scales keep activations finite through the network; BN is the identity unless
/// `batchNorm` is set, which draws its statistics too, so that every folded convolution has a bias
/// (for tests of the bias paths; the identity keeps benchmark numbers comparable over time).
public enum RandomWeights {
    public static func make(_ config: ShuffleNetConfig, seed: UInt64 = 42, batchNorm: Bool = false) throws(WeightsError) -> ShuffleNetWeights {
        var generator = SplitMix64(seed: seed)
        let shapes = Dictionary(uniqueKeysWithValues: StateDictLayout.expectedShapes(config).map { ($0.name, $0.shape) })
        return try ShuffleNetWeights(config: config) { (name) throws(WeightsError) in
            guard let shape = shapes[name] else { return nil }
            let count = shape.reduce(1, *)
            /// Uniform in center ± spread.
            func uniform(_ center: Float, _ spread: Float) -> [Float] {
                (0..<count).map { _ in center + (Float(generator.next() % 20001) / 10000 - 1) * spread }
            }
            let isScale = name.hasSuffix("running_var") || (name.hasSuffix(".weight") && shape.count == 1)
            let isShift = name.hasSuffix("running_mean") || name.hasSuffix(".bias")
            if batchNorm && isScale { return (shape, uniform(1, 0.25)) }
            if batchNorm && isShift { return (shape, uniform(0, 0.2)) }
            if isScale { return (shape, [Float](repeating: 1, count: count)) }
            if isShift { return (shape, [Float](repeating: 0, count: count)) }
            let fanIn = shape.dropFirst().reduce(1, *)
            let scale = (2 / Float(max(fanIn, 1))).squareRoot()
            return (shape, (0..<count).map { _ in (Float(generator.next() % 20001) / 10000 - 1) * scale })
        }
    }
}

/// A small, fast, deterministic generator (Steele et al.'s SplitMix64).
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
