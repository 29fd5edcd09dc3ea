import KernelInterface

extension PackedNetwork {
    /// A unit's squeeze-and-excitation weights as the engine reads them: both FCs packed like any 1×1
    /// convolution (`Pointwise`, one group), so that they run as one-row GEMMs on the SIMD kernel (a scalar
    /// loop over 2·960·60 weights per stage-4 unit of 1× g3 took longer than the unit's convolutions).
    struct SqueezeExcite {
        let channels: Int, hidden: Int   // C, m
        let fc1: Pointwise               // K = C, M = m, then ReLU
        let fc2: Pointwise               // K = m, M = C, then sigmoid

        init(_ se: SEWeights) {
            channels = se.channels
            hidden = se.hidden
            fc1 = PackedNetwork.packPointwise(ConvWeights(outChannels: se.hidden, inPerGroup: se.channels, groups: 1, kernel: 1,
                                                          weight: se.fc1Weight, bias: se.fc1Bias))
            fc2 = PackedNetwork.packPointwise(ConvWeights(outChannels: se.channels, inPerGroup: se.hidden, groups: 1, kernel: 1,
                                                          weight: se.fc2Weight, bias: se.fc2Bias))
        }

        func free() { [fc1.weight, fc1.bias, fc2.weight, fc2.bias].forEach { $0.free() } }
    }
}

/// A squeeze-and-excitation block, described by value for `EngineStep`; it runs before the unit's second 1×1
/// convolution (`expand`), and hands that convolution weights and a bias scaled per output channel, so that the
/// convolution's ordinary epilogue writes relu(branch · s + residual): the bare branch is never stored nor read
/// back, and the network's plain convolutions are untouched.
///
/// The branch is b = W·a + bias at each pixel, a being the depthwise output the convolution reads, so its channel
/// means are W·mean(a) + bias: the means of the unit's `mid` depthwise channels (a quarter of the branch's C, and
/// just written) and a one-vector product with the convolution's own weights. Then s = sigmoid(fc2 · ReLU(fc1 ·
/// means + b1) + b2), and W·diag(s), bias·s (per group, in the packed layout).
///
/// `scratch`: [mid depthwise means][C branch means][m hidden][C scales][16 zeros] [C scaled bias][16] [scaled
/// packed weights], the last two 16-float aligned.
struct SqueezeStep {
    var expand: EngineStep.Pointwise   // the second 1×1 convolution over all its pixels (N)
    var weights: PackedNetwork.SqueezeExcite
    var scratch: UnsafeMutablePointer<Float>
    var phase = Phase.means

    /// The block in three steps, each its own profile row: the branch's means, the FCs and sigmoid, the scaling.
    enum Phase { case means, excite, scale }

    static func roundUp(_ count: Int) -> Int { (count + 15) / 16 * 16 }
    static func biasOffset(mid: Int, _ se: PackedNetwork.SqueezeExcite) -> Int { roundUp(mid + 2 * se.channels + se.hidden + 16) }
    static func weightOffset(mid: Int, _ se: PackedNetwork.SqueezeExcite) -> Int { biasOffset(mid: mid, se) + roundUp(se.channels + 16) }

    /// Floats of `scratch` a unit's block needs (`pointwise2` its second 1×1 convolution).
    static func scratchCount(mid: Int, _ se: PackedNetwork.SqueezeExcite, _ pointwise2: PackedNetwork.Pointwise) -> Int {
        weightOffset(mid: mid, se) + pointwise2.groups * KernelSet.packedCount(K: pointwise2.k, M: pointwise2.m)
    }

    var mid: Int { expand.lda }
    var branchMeans: UnsafeMutablePointer<Float> { scratch + mid }
    var scales: UnsafeMutablePointer<Float> { branchMeans + weights.channels + weights.hidden }
    var scaledBias: UnsafeMutablePointer<Float> { scratch + Self.biasOffset(mid: mid, weights) }
    var scaledWeights: UnsafeMutablePointer<Float> { scratch + Self.weightOffset(mid: mid, weights) }

    /// This step's phase, on one thread.
    func run(_ kernels: any KernelCopy.Type) {
        let p = expand, c = weights.channels, m = weights.hidden, fc1 = weights.fc1, fc2 = weights.fc2
        let means = branchMeans, hidden = means + c, scales = self.scales
        switch phase {
        case .means:
            kernels.channelMeans(pixels: p.N, C: mid, input: p.A, ld: p.lda, output: scratch)
            for gi in 0..<p.groups {
                kernels.fullyConnected(M: p.M, K: p.K, input: scratch + gi * p.aGroupStride, step: p.aStep,
                                       W: p.W + gi * KernelSet.packedCount(K: p.K, M: p.M), bias: p.bias + gi * p.M, output: means + gi * p.M, relu: false)
            }
        case .excite:
            kernels.fullyConnected(M: m, K: c, input: means, step: 1, W: fc1.weight.pointer, bias: fc1.bias.pointer, output: hidden, relu: true)
            kernels.fullyConnected(M: c, K: m, input: hidden, step: 1, W: fc2.weight.pointer, bias: fc2.bias.pointer, output: scales, relu: false)
            kernels.sigmoid(count: c, values: scales)
        case .scale:
            kernels.scaleColumns(groups: p.groups, K: p.K, M: p.M, W: p.W, bias: p.bias, scales: scales, outW: scaledWeights, outBias: scaledBias)
        }
    }
}

extension InferenceSession {
    /// A unit's squeeze-and-excitation block, on this thread, before its second 1×1 convolution `expand` (which
    /// has not run yet); returns that convolution's weights and bias scaled by the block (in slot `slot`'s scratch).
    func squeezeExcite(_ se: PackedNetwork.SqueezeExcite, before expand: EngineStep.Pointwise,
                       slot: Int) -> (weights: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        var squeeze = SqueezeStep(expand: expand, weights: se, scratch: seScratch.pointer + slot * plan.sliceStride.se)
        perform(.squeeze(squeeze), split: false, kind: "SE means")
        squeeze.phase = .excite
        perform(.squeeze(squeeze), split: false, kind: "SE FCs")
        squeeze.phase = .scale
        perform(.squeeze(squeeze), split: false, kind: "SE scale weights")
        return (UnsafePointer(squeeze.scaledWeights), UnsafePointer(squeeze.scaledBias))
    }
}
