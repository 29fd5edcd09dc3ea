import Foundation
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

/// The middle of a squeeze-and-excitation block, described by value for `EngineStep`: the channel means of the
/// branch (C channels of `pixels` pixels `ld` floats apart), then s = sigmoid(fc2 · ReLU(fc1 · means + b1) + b2).
/// `scratch` holds [C means][m hidden][C scales]; the scales are what the scale pass reads.
struct SqueezeStep {
    var pixels: Int, input: UnsafePointer<Float>, ld: Int
    var weights: PackedNetwork.SqueezeExcite
    var scratch: UnsafeMutablePointer<Float>

    var scales: UnsafeMutablePointer<Float> { scratch + weights.channels + weights.hidden }

    /// The two FCs over the means already in `scratch`, as one-row GEMMs on `kernels`, then the sigmoid.
    func excite(_ kernels: any KernelCopy.Type) {
        let c = weights.channels, m = weights.hidden, fc1 = weights.fc1, fc2 = weights.fc2
        let hidden = scratch + c, scales = self.scales
        kernels.pointwise(N: 1, M: m, K: c, A: scratch, lda: c, aStep: 1, W: fc1.weight.pointer, C: hidden, ldc: m, bias: fc1.bias.pointer,
                          relu: true, residual: nil, ldr: 0, packedK: nil)
        kernels.pointwise(N: 1, M: c, K: m, A: hidden, lda: m, aStep: 1, W: fc2.weight.pointer, C: scales, ldc: c, bias: fc2.bias.pointer,
                          relu: false, residual: nil, ldr: 0, packedK: nil)
        for i in 0..<c { scales[i] = 1 / (1 + exp(-scales[i])) }
    }
}

extension InferenceSession {
    /// The second 1×1 convolution of a unit with SE, and the block: the convolution writes the bare branch (no
    /// residual, no ReLU) — for stride 1 into the spare activation buffer, since the output overwrites the
    /// input, which is still needed as the residual; for stride 2 into channels [in, out) of the output — then
    /// the means and FCs on this thread, then one pass scales the branch and adds the residual (stride 1) and
    /// applies ReLU, split across threads by pixel rows like the convolution.
    func runExpandWithSqueezeExcite(_ unit: PackedNetwork.Unit, _ se: PackedNetwork.SqueezeExcite, side out: Int, _ buffers: UnitBuffers,
                                    slot: Int, split: Bool) {
        let spec = unit.spec, pw2 = unit.pointwise2, g = pw2.groups
        let cin = spec.inChannels, cout = spec.outChannels, pixels = out * out
        let branch = spec.stride == 2 ? buffers.output + cin : buffers.spare
        perform(.pointwise(.init(N: pixels, groups: g, M: pw2.m, K: pw2.k, A: buffers.depthwise, lda: spec.mid, aStep: g > 1 ? g : 1,
                                 aGroupStride: g > 1 ? 1 : 0, W: pw2.weight.pointer, C: branch, ldc: cout, bias: pw2.bias.pointer, relu: false,
                                 residual: nil, ldr: 0)), split: split, kind: "1×1 expand")
        let squeeze = SqueezeStep(pixels: pixels, input: branch, ld: cout, weights: se, scratch: seScratch.pointer + slot * plan.sliceStride.se)
        perform(.squeeze(squeeze), split: false, kind: "SE squeeze")
        perform(.scaleChannels(N: pixels, C: spec.branchChannels, input: branch, ld: cout, scales: squeeze.scales,
                               residual: spec.stride == 2 ? nil : UnsafePointer(buffers.input), ldr: cin,
                               output: spec.stride == 2 ? branch : buffers.output, ldo: cout), split: split, kind: "SE scale")
    }
}
