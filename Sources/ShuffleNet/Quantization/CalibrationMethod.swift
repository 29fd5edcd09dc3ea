import Foundation

/// How calibration turns the activations it observed into each tensor's quantization range.
/// - `minmax`: the whole observed range. Every value representable; the bulk gets the fewest steps.
/// - `percentile(p)`: the range holding `p` percent of the values (both tails for signed tensors): rare outliers
///   are clipped so that the bulk gets finer steps.
/// - `entropy`: for ReLU outputs, the clipping point whose 255-level quantization keeps the distribution closest
///   in Kullback–Leibler divergence (TensorRT's method); signed tensors (depthwise outputs) take the 99.99 % range.
/// - `mse`: the range, shrunk from the observed one by a common factor, whose quantization has the smallest
///   expected squared error over the histogram: rounding error inside, clipping error outside.
public enum CalibrationMethod: Sendable, Hashable, CustomStringConvertible {
    case minmax
    case percentile(Double)
    case entropy
    case mse

    public static let `default` = CalibrationMethod.mse

    /// "minmax", "entropy", "percentile" (99.99) or "percentile:P".
    public init?(name: String) {
        switch name {
        case "minmax": self = .minmax
        case "entropy": self = .entropy
        case "percentile": self = .percentile(99.99)
        case "mse": self = .mse
        default:
            guard name.hasPrefix("percentile:"), let p = Double(name.dropFirst("percentile:".count)), p > 50, p <= 100 else { return nil }
            self = .percentile(p)
        }
    }

    public var description: String {
        switch self {
        case .minmax: "minmax"
        case .entropy: "entropy"
        case .percentile(let p): "percentile:\(p)"
        case .mse: "mse"
        }
    }
}

/// One tensor's observations: its range (first pass), then a histogram over that range (second pass).
struct ActivationHistogram: Sendable {
    static let bins = 2048
    var low: Float = 0, high: Float = 0          // observed min and max (0 always inside)
    var counts = [Int](repeating: 0, count: bins)
    var signed: Bool                              // false: a ReLU output, ≥ 0

    init(signed: Bool) { self.signed = signed }

    mutating func observeRange(_ values: [Float]) {
        for v in values {
            low = min(low, v)
            high = max(high, v)
        }
    }

    mutating func observeHistogram(_ values: [Float]) {
        let width = (high - low) / Float(Self.bins)
        guard width > 0 else { return }
        for v in values {
            let bin = Int((v - low) / width)
            counts[min(max(bin, 0), Self.bins - 1)] += 1
        }
    }

    mutating func merge(range other: ActivationHistogram) {
        low = min(low, other.low)
        high = max(high, other.high)
    }

    mutating func merge(counts other: ActivationHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
    }

    /// The range this method keeps.
    func range(_ method: CalibrationMethod) -> (Float, Float) {
        switch method {
        case .minmax: return (low, high)
        case .percentile(let p): return percentileRange(p)
        case .entropy: return signed ? percentileRange(99.99) : (0, entropyThreshold())
        case .mse: return mseRange()
        }
    }

    private func edge(_ bin: Int) -> Float { low + (high - low) * Float(bin) / Float(Self.bins) }

    private func percentileRange(_ p: Double) -> (Float, Float) {
        let total = counts.reduce(0, +)
        guard total > 0 else { return (low, high) }
        let tail = Double(total) * (100 - p) / 100
        var upper = Self.bins, seen = 0.0
        while upper > 1 && seen + Double(counts[upper - 1]) <= tail { seen += Double(counts[upper - 1]); upper -= 1 }
        var lower = 0
        if signed {
            seen = 0
            while lower < upper - 1 && seen + Double(counts[lower]) <= tail { seen += Double(counts[lower]); lower += 1 }
        }
        return (signed ? edge(lower) : low, edge(upper))
    }

    /// The range f·(low, high), f in (0, 1], whose 255-step quantization has the least squared error over the
    /// histogram (each bin at its centre; the zero point rounded as `ActivationQuantization.covering` rounds it).
    private func mseRange() -> (Float, Float) {
        let width = Double(high - low) / Double(Self.bins)
        guard width > 0 else { return (low, high) }
        var best = (low, high), bestError = Double.infinity
        for step in 1...200 {
            let f = Float(step) / 200
            let q = ActivationQuantization.covering(min: low * f, max: high * f)
            let scale = Double(q.scale), zero = Double(q.zeroPoint)
            var error = 0.0
            for b in 0..<Self.bins where counts[b] > 0 {
                let x = Double(low) + (Double(b) + 0.5) * width
                let level = min(max((x / scale + zero).rounded(), 0), 255)
                let d = x - scale * (level - zero)
                error += Double(counts[b]) * d * d
            }
            if error < bestError { bestError = error; best = (low * f, high * f) }
        }
        return best
    }

    /// TensorRT's KL calibration over the histogram of a non-negative tensor: for each candidate clipping bin
    /// i ≥ 255, P = the first i bins with the rest folded into the last, Q = P merged into 255 levels and spread
    /// back over the non-empty bins; the i with the smallest KL(P ‖ Q) wins.
    private func entropyThreshold() -> Float {
        let levels = 255
        // The exact zeros of a ReLU (often half the values) are represented exactly at any threshold: leave them out.
        var counts = self.counts
        counts[0] = 0
        guard counts.reduce(0, +) > 0 else { return high }
        var best = Self.bins, bestDivergence = Double.infinity
        for i in stride(from: levels, through: Self.bins, by: 16) {
            var p = counts[0..<i].map(Double.init)
            p[i - 1] += Double(counts[i...].reduce(0, +))
            var q = [Double](repeating: 0, count: i)
            for level in 0..<levels {
                let start = level * i / levels, end = (level + 1) * i / levels
                let slice = counts[start..<end]
                let nonEmpty = slice.filter { $0 > 0 }.count
                guard nonEmpty > 0 else { continue }
                let share = Double(slice.reduce(0, +)) / Double(nonEmpty)
                for b in start..<end where counts[b] > 0 { q[b] = share }
            }
            let pSum = p.reduce(0, +), qSum = q.reduce(0, +)
            guard pSum > 0, qSum > 0 else { continue }
            var divergence = 0.0
            for b in 0..<i where p[b] > 0 {
                // A bin Q leaves empty (P's folded tail in an otherwise empty last level) gets a tiny mass.
                let pb = p[b] / pSum, qb = max(q[b] / qSum, 1e-12)
                divergence += pb * log(pb / qb)
            }
            if divergence < bestDivergence { bestDivergence = divergence; best = i }
        }
        return edge(best)
    }
}
