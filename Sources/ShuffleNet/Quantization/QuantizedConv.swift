/// A convolution (BatchNorm folded) with int8 weights: W ≈ weightScale[o] · weight, symmetric per output channel
/// (−127…127, so that negating a weight never overflows), and a float bias added after the int32 accumulation.
public struct QuantizedConv: Sendable {
    public let outChannels: Int
    public let inPerGroup: Int     // input channels each output channel sees
    public let groups: Int
    public let kernel: Int         // 1 or 3
    public let weight: [Int8]      // [outChannels][inPerGroup][kernel][kernel] (OIHW, as ConvWeights)
    public let weightScale: [Float] // [outChannels]
    public let bias: [Float]       // [outChannels], in real units

    /// Weights per output channel.
    var perOutput: Int { inPerGroup * kernel * kernel }

    init(outChannels: Int, inPerGroup: Int, groups: Int, kernel: Int, weight: [Int8], weightScale: [Float], bias: [Float]) {
        self.outChannels = outChannels
        self.inPerGroup = inPerGroup
        self.groups = groups
        self.kernel = kernel
        self.weight = weight
        self.weightScale = weightScale
        self.bias = bias
    }

    /// Quantizes a folded float convolution: scale = max |w| / 127 per output channel (1 for an all-zero one),
    /// q = round(w / scale) half to even. With `inputMeans` (one per input channel of the layer), the bias is
    /// corrected for the rounding's expected effect on each output: + Σ (w − scale·q) · mean(input) — the
    /// systematic part of the error, which would otherwise shift every output channel the same way on every image.
    init(quantizing conv: ConvWeights, inputMeans: [Double]? = nil) {
        let per = conv.inPerGroup * conv.kernel * conv.kernel
        var scales = [Float](repeating: 1, count: conv.outChannels)
        var q = [Int8](repeating: 0, count: conv.weight.count)
        for o in 0..<conv.outChannels {
            let row = conv.weight[(o * per)..<((o + 1) * per)]
            let largest = row.reduce(Float(0)) { Swift.max($0, abs($1)) }
            guard largest > 0 else { continue }
            let scale = Double(largest) / 127
            scales[o] = Float(scale)
            for i in 0..<per {
                let value = (Double(conv.weight[o * per + i]) / scale).rounded(.toNearestOrEven)
                q[o * per + i] = Int8(Swift.min(Swift.max(value, -127), 127))
            }
        }
        var bias = conv.bias
        if let inputMeans {
            let outPerGroup = conv.outChannels / conv.groups, taps = conv.kernel * conv.kernel
            for o in 0..<conv.outChannels {
                let firstInput = (o / outPerGroup) * conv.inPerGroup
                var shift = 0.0
                for i in 0..<per {
                    let rounding = Double(conv.weight[o * per + i]) - Double(scales[o]) * Double(q[o * per + i])
                    shift += rounding * inputMeans[firstInput + i / taps]
                }
                bias[o] = Float(Double(bias[o]) + shift)
            }
        }
        self.init(outChannels: conv.outChannels, inPerGroup: conv.inPerGroup, groups: conv.groups, kernel: conv.kernel,
                  weight: q, weightScale: scales, bias: bias)
    }

    /// The float convolution these weights stand for (what `/models` describes and the float engine could run).
    var dequantized: ConvWeights {
        let per = perOutput
        let values = weight.indices.map { Float(weight[$0]) * weightScale[$0 / per] }
        return ConvWeights(outChannels: outChannels, inPerGroup: inPerGroup, groups: groups, kernel: kernel, weight: values, bias: bias)
    }

    /// Σ_k w[o][k] for each output channel: the zero-point correction's factor (int32, exact).
    var weightSums: [Int32] {
        let per = perOutput
        return (0..<outChannels).map { o in weight[(o * per)..<((o + 1) * per)].reduce(Int32(0)) { $0 + Int32($1) } }
    }
}

/// The float requantization of one convolution's int32 accumulators into its output's uint8 values — the
/// `sn_int8_epilogue` contract (Sources/CInt8Kernels/include/int8_kernels.h), computed once so that the
/// engine and the reference use the very same constants:
///   q[o] = clamp(rint(fma(Float(acc[o] − correction[o]), scale[o], offset[o])), lo, 255)
/// scale = s_in · s_w[o] / s_out, offset = bias[o] / s_out + z_out, correction = z_in · Σ w[o] (none if z_in = 0),
/// lo = z_out after a ReLU (real 0), else 0.
struct Requantization: Sendable {
    let scale: [Float]
    let offset: [Float]
    let correction: [Int32]?
    let lo: Int32

    init(_ conv: QuantizedConv, input: ActivationQuantization, output: ActivationQuantization, relu: Bool) {
        let sIn = Double(input.scale), sOut = Double(output.scale), zOut = Double(output.zeroPoint)
        scale = conv.weightScale.map { Float(sIn * Double($0) / sOut) }
        offset = conv.bias.map { Float(Double($0) / sOut + zOut) }
        correction = input.zeroPoint == 0 ? nil : conv.weightSums.map { Int32(input.zeroPoint) * $0 }
        lo = relu ? Int32(output.zeroPoint) : 0
    }

    /// The multiplier of a uint8 value of scale `from` added in a tensor of scale `to` (the residual's, the
    /// average pool's with its 1/`count`).
    static func ratio(_ from: ActivationQuantization, _ to: ActivationQuantization, count: Int = 1) -> Float {
        Float(Double(from.scale) / Double(count) / Double(to.scale))
    }

    /// One accumulator requantized, exactly as every kernel copy does it.
    @inline(__always)
    func apply(_ acc: Int32, channel o: Int, residual: (value: UInt8, scale: Float)? = nil) -> UInt8 {
        var y = offset[o].addingProduct(Float(acc &- (correction?[o] ?? 0)), scale[o])
        if let residual { y = y.addingProduct(Float(residual.value), residual.scale) }
        return Requantization.clamp(y, lo: lo)
    }

    /// rint (half to even) then clamp to lo…255.
    @inline(__always)
    static func clamp(_ y: Float, lo: Int32) -> UInt8 {
        let r = y.rounded(.toNearestOrEven)
        if r <= Float(lo) { return UInt8(lo) }
        if r >= 255 { return 255 }
        return UInt8(r)
    }
}
