import Foundation

extension PackedNetwork {
    /// A unit's squeeze-and-excitation weights as the engine reads them: the FCs stay row-major (fc1 [m][C],
    /// fc2 [C][m]); they run as scalar loops on one thread (at most 2·1920·120 multiply-adds per unit).
    struct SqueezeExcite {
        let channels: Int, hidden: Int   // C, m
        let fc1: FloatBuffer, fc1Bias: FloatBuffer, fc2: FloatBuffer, fc2Bias: FloatBuffer

        init(_ se: SEWeights) {
            channels = se.channels
            hidden = se.hidden
            fc1 = FloatBuffer(se.fc1Weight)
            fc1Bias = FloatBuffer(se.fc1Bias)
            fc2 = FloatBuffer(se.fc2Weight)
            fc2Bias = FloatBuffer(se.fc2Bias)
        }

        func free() { [fc1, fc1Bias, fc2, fc2Bias].forEach { $0.free() } }
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

    /// The two FCs over the means already in `scratch` (scalar; allocation-free).
    func excite() {
        let c = weights.channels, m = weights.hidden
        let means = scratch, hidden = scratch + c, scales = self.scales
        for j in 0..<m {
            var sum = weights.fc1Bias.pointer[j]
            let row = weights.fc1.pointer + j * c
            for i in 0..<c { sum += row[i] * means[i] }
            hidden[j] = max(sum, 0)
        }
        for i in 0..<c {
            var sum = weights.fc2Bias.pointer[i]
            let row = weights.fc2.pointer + i * m
            for j in 0..<m { sum += row[j] * hidden[j] }
            scales[i] = 1 / (1 + exp(-sum))
        }
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
