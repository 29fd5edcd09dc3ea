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

/// The middle of a squeeze-and-excitation block, described by value for `EngineStep`; it runs before the unit's
/// second 1×1 convolution (`expand`), which then multiplies by the scales in its epilogue, so that the bare branch
/// is never stored nor read back.
///
/// The branch is b = W·a + bias at each pixel, a being the depthwise output that convolution reads, so its
/// channel means are W·mean(a) + bias: the means of the unit's `mid` depthwise channels (a quarter of the branch's
/// C, and just written) and a one-row GEMM with the convolution's own weights. Then s = sigmoid(fc2 · ReLU(fc1 ·
/// means + b1) + b2). `scratch` holds [mid depthwise means][C branch means][m hidden][C scales] (+ 16 floats).
struct SqueezeStep {
    var expand: EngineStep.Pointwise   // the second 1×1 convolution over all its pixels (N)
    var weights: PackedNetwork.SqueezeExcite
    var scratch: UnsafeMutablePointer<Float>

    /// Floats of `scratch` a block needs: `mid` depthwise channels, then the layout above.
    static func scratchCount(mid: Int, _ se: PackedNetwork.SqueezeExcite) -> Int { mid + 2 * se.channels + se.hidden + 16 }

    var mid: Int { expand.lda }
    var branchMeans: UnsafeMutablePointer<Float> { scratch + mid }
    var scales: UnsafeMutablePointer<Float> { branchMeans + weights.channels + weights.hidden }

    /// All of it, on one thread: the means, the GEMM, the two FCs as one-row GEMMs, then the sigmoid.
    func run(_ kernels: any KernelCopy.Type) {
        let p = expand, c = weights.channels, m = weights.hidden, fc1 = weights.fc1, fc2 = weights.fc2
        kernels.channelMeans(pixels: p.N, C: mid, input: p.A, ld: p.lda, output: scratch)
        let means = branchMeans, hidden = means + c, scales = self.scales
        for gi in 0..<p.groups {
            kernels.pointwise(N: 1, M: p.M, K: p.K, A: scratch + gi * p.aGroupStride, lda: mid, aStep: p.aStep,
                              W: p.W + gi * KernelSet.packedCount(K: p.K, M: p.M), C: means + gi * p.M, ldc: c, bias: p.bias + gi * p.M,
                              relu: false, residual: nil, ldr: 0, packedK: nil)
        }
        kernels.pointwise(N: 1, M: m, K: c, A: means, lda: c, aStep: 1, W: fc1.weight.pointer, C: hidden, ldc: m, bias: fc1.bias.pointer,
                          relu: true, residual: nil, ldr: 0, packedK: nil)
        kernels.pointwise(N: 1, M: c, K: m, A: hidden, lda: m, aStep: 1, W: fc2.weight.pointer, C: scales, ldc: c, bias: fc2.bias.pointer,
                          relu: false, residual: nil, ldr: 0, packedK: nil)
        kernels.sigmoid(count: c, values: scales)
    }
}

extension InferenceSession {
    /// A unit's squeeze-and-excitation block, on this thread, before its second 1×1 convolution `expand` (which
    /// has not run yet); returns the scales for that convolution's epilogue (in slot `slot`'s SE scratch).
    func squeezeExcite(_ se: PackedNetwork.SqueezeExcite, before expand: EngineStep.Pointwise, slot: Int) -> UnsafePointer<Float> {
        let squeeze = SqueezeStep(expand: expand, weights: se, scratch: seScratch.pointer + slot * plan.sliceStride.se)
        perform(.squeeze(squeeze), split: false, kind: "SE squeeze")
        return UnsafePointer(squeeze.scales)
    }
}
