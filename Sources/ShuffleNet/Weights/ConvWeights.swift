import Foundation

/// A convolution with its BatchNorm folded in: y = W ∗ x + b, W = γ/√(σ²+ε) · W₀, b = β − μ · γ/√(σ²+ε).
public struct ConvWeights: Sendable {
    public let outChannels: Int
    public let inPerGroup: Int     // input channels seen by each output channel
    public let groups: Int
    public let kernel: Int         // 1 or 3
    public let weight: [Float]     // [outChannels][inPerGroup][kernel][kernel] (PyTorch OIHW)
    public let bias: [Float]       // [outChannels]

    public static let batchNormEpsilon: Float = 1e-5

    init(outChannels: Int, inPerGroup: Int, groups: Int, kernel: Int, weight: [Float], bias: [Float]) {
        self.outChannels = outChannels
        self.inPerGroup = inPerGroup
        self.groups = groups
        self.kernel = kernel
        self.weight = weight
        self.bias = bias
    }

    /// Folds BN (γ, β, μ, σ²) into the raw conv weight. Computed in Double so folding adds no visible error.
    static func folding(weight raw: [Float], shape: [Int], groups: Int, gamma: [Float], beta: [Float], mean: [Float], variance: [Float]) -> ConvWeights {
        let out = shape[0]
        let perOutput = raw.count / out
        var weight = raw
        var bias = [Float](repeating: 0, count: out)
        for o in 0..<out {
            let scale = Double(gamma[o]) / (Double(variance[o]) + Double(batchNormEpsilon)).squareRoot()
            for i in 0..<perOutput { weight[o * perOutput + i] = Float(Double(raw[o * perOutput + i]) * scale) }
            bias[o] = Float(Double(beta[o]) - Double(mean[o]) * scale)
        }
        return ConvWeights(outChannels: out, inPerGroup: shape[1], groups: groups, kernel: shape[2], weight: weight, bias: bias)
    }
}

/// The folded weights of one ShuffleNet unit.
public struct UnitWeights: Sendable {
    public let spec: UnitSpec
    public let pointwise1: ConvWeights  // 1×1, in → mid, groups spec.firstPointwiseGroups, then ReLU
    public let depthwise: ConvWeights   // 3×3, mid → mid, groups mid, stride spec.stride, no ReLU
    public let pointwise2: ConvWeights  // 1×1, mid → branch, groups g (input is the shuffled depthwise output)
    public var se: SEWeights? = nil     // squeeze-and-excitation on pointwise2's output, when the network has it
}

/// A squeeze-and-excitation block over C channels with hidden width m (both FCs are 1×1 convs with bias):
/// s = sigmoid(W2 · ReLU(W1 · mean_HW(x) + b1) + b2), then x × s channel-wise.
public struct SEWeights: Sendable {
    public let channels: Int      // C
    public let hidden: Int        // m = floor(C / r)
    public let fc1Weight: [Float] // [m][C]
    public let fc1Bias: [Float]   // [m]
    public let fc2Weight: [Float] // [C][m]
    public let fc2Bias: [Float]   // [C]

    /// The C channel scales for the channel means `mean` (C floats).
    public func scales(means mean: [Float]) -> [Float] {
        let hiddenValues = (0..<hidden).map { j in
            var sum = fc1Bias[j]
            for c in 0..<channels { sum += fc1Weight[j * channels + c] * mean[c] }
            return max(sum, 0)
        }
        return (0..<channels).map { c in
            var sum = fc2Bias[c]
            for j in 0..<hidden { sum += fc2Weight[c * hidden + j] * hiddenValues[j] }
            return 1 / (1 + Float(exp(-Double(sum))))
        }
    }
}
