import KernelInterface

extension PackedNetwork {
    /// A unit's squeeze-and-excitation weights as the engine reads them: both FCs packed like any 1×1
    /// convolution (`Pointwise`, one group), in 16-output panels that `KernelCopy.fullyConnected` streams (a
    /// scalar loop over 2·960·60 weights per stage-4 unit of 1× g3 took longer than the unit's convolutions).
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
/// means + b1) + b2), and W·diag(s), bias·s (per group, in the packed layout). Five steps (`Phase`), each split
/// across the team by channels or 16-channel panels, each its own profile row.
///
/// `scratch`: [mid depthwise means][C branch means][m hidden][C scales][16 zeros] [C scaled bias][16] [scaled
/// packed weights], the last two 16-float aligned.
struct SqueezeStep {
    var expand: EngineStep.Pointwise   // the second 1×1 convolution over all its pixels (N)
    var weights: PackedNetwork.SqueezeExcite
    var scratch: UnsafeMutablePointer<Float>
    var phase = Phase.means

    enum Phase {
        case means, branchMeans, hidden, scales, scaleWeights

        var profileName: String {
            switch self {
            case .means: "SE means"
            case .branchMeans: "SE branch means"
            case .hidden: "SE fc1"
            case .scales: "SE fc2 + sigmoid"
            case .scaleWeights: "SE scale weights"
            }
        }
    }

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

    /// Multiply-adds of this phase (for profiles).
    var multiplyAdds: Int {
        switch phase {
        case .means, .scaleWeights: 0
        case .branchMeans: expand.groups * expand.M * expand.K
        case .hidden, .scales: weights.channels * weights.hidden
        }
    }

    /// Part `part` of `parts` of this phase.
    func run(_ kernels: any KernelCopy.Type, part: Int, parts: Int) {
        let p = expand, c = weights.channels, m = weights.hidden, fc1 = weights.fc1, fc2 = weights.fc2
        let means = branchMeans, hidden = means + c, scales = self.scales, width = KernelSet.panelWidth
        /// This part's 16-channel panels of `count` outputs: (first channel, channels).
        func panels(_ count: Int) -> (Int, Int) {
            let mine = EngineStep.share((count + width - 1) / width, part: part, parts: parts)
            return (mine.lowerBound * width, min(count, mine.upperBound * width) - mine.lowerBound * width)
        }
        switch phase {
        case .means:
            let mine = EngineStep.share(mid, part: part, parts: parts, quantum: width)
            if !mine.isEmpty { kernels.channelMeans(pixels: p.N, C: mine.count, input: p.A + mine.lowerBound, ld: p.lda, output: scratch + mine.lowerBound) }
        case .branchMeans, .scaleWeights:
            // The groups' panels one after another, shared out; each group's part of this part's share in one call.
            let perGroup = (p.M + width - 1) / width, packed = KernelSet.packedCount(K: p.K, M: p.M)
            let mine = EngineStep.share(p.groups * perGroup, part: part, parts: parts)
            for gi in 0..<p.groups {
                let j0 = max(mine.lowerBound, gi * perGroup) - gi * perGroup, j1 = min(mine.upperBound, (gi + 1) * perGroup) - gi * perGroup
                guard j0 < j1 else { continue }
                let channel = gi * p.M + j0 * width, count = min(p.M, j1 * width) - j0 * width, w = gi * packed + j0 * p.K * width
                if phase == .branchMeans {
                    kernels.fullyConnected(M: count, K: p.K, input: scratch + gi * p.aGroupStride, step: p.aStep, W: p.W + w, bias: p.bias + channel,
                                           output: means + channel, relu: false)
                } else {
                    kernels.scaleColumns(groups: 1, K: p.K, M: count, W: p.W + w, bias: p.bias + channel, scales: scales + channel,
                                         outW: scaledWeights + w, outBias: scaledBias + channel)
                }
            }
        case .hidden:
            let (first, count) = panels(m)
            if count > 0 {
                kernels.fullyConnected(M: count, K: c, input: means, step: 1, W: fc1.weight.pointer + first * c, bias: fc1.bias.pointer + first,
                                       output: hidden + first, relu: true)
            }
        case .scales:
            let (first, count) = panels(c)
            if count > 0 {
                kernels.fullyConnected(M: count, K: m, input: hidden, step: 1, W: fc2.weight.pointer + first * m, bias: fc2.bias.pointer + first,
                                       output: scales + first, relu: false)
                kernels.sigmoid(count: count, values: scales + first)
            }
        }
    }
}

extension InferenceSession {
    /// A unit's squeeze-and-excitation block before its second 1×1 convolution `expand` (which has not run yet),
    /// split across the team when `split`; returns that convolution's weights and bias scaled by the block (in slot
    /// `slot`'s scratch).
    func squeezeExcite(_ se: PackedNetwork.SqueezeExcite, before expand: EngineStep.Pointwise, slot: Int,
                       split: Bool) -> (weights: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        var squeeze = SqueezeStep(expand: expand, weights: se, scratch: seScratch.pointer + slot * plan.sliceStride.se)
        // One call per phase, not a loop over `allCases` (an array, which inference must not allocate).
        func run(_ phase: SqueezeStep.Phase) {
            squeeze.phase = phase
            perform(.squeeze(squeeze), split: split, kind: phase.profileName)
        }
        run(.means)
        run(.branchMeans)
        run(.hidden)
        run(.scales)
        run(.scaleWeights)
        return (UnsafePointer(squeeze.scaledWeights), UnsafePointer(squeeze.scaledBias))
    }
}
