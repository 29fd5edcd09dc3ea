/// The quantized network evaluated the plainest way, one scalar at a time, in NHWC uint8: the oracle the int8
/// engine must match exactly in everything integer (every uint8 activation; the int32 accumulators behind them)
/// and within float rounding in the float head (average pool scale, classifier).
///
/// Each step follows the requantization contract of `Requantization` (and Sources/CInt8Kernels/include/int8_kernels.h).
public enum QuantizedReference {
    /// One image's uint8 tensors, NHWC: `side` pixels per side, `channels` per pixel.
    public struct Tensor: Sendable, Equatable {
        public var side: Int
        public var channels: Int
        public var values: [UInt8]
    }

    /// What the pass produced, kept for comparison: the stem's (quantized, max-pooled) output, every unit's
    /// output, the pooled features and the logits.
    public struct Trace: Sendable {
        public var stem: Tensor
        public var units: [Tensor]
        public var pooled: [Float]
        public var logits: [Float]
    }

    /// Runs one preprocessed image (3 × S × S, NCHW floats). The stem is float: its ReLU output is quantized, then
    /// max-pooled in uint8. `stem` replaces that max-pooled tensor (the engine's own float stem may round a value
    /// to the other side of a quantization step; given the same stem, every later byte must be equal).
    public static func run(_ q: QuantizedWeights, input: Activation, stem given: Tensor? = nil) -> Trace {
        let info = q.info
        let stem: Tensor
        if let given {
            stem = given
        } else {
            let conv = ReferenceKernels.conv(input, q.stem, stride: 2, pad: 1, relu: true)
            let inverse = Float(1 / Double(info.stem.scale)), plane = conv.height * conv.width
            var quantized = Tensor(side: conv.height, channels: conv.channels, values: [UInt8](repeating: 0, count: conv.data.count))
            for p in 0..<plane {
                for c in 0..<conv.channels { quantized.values[p * conv.channels + c] = Requantization.clamp(conv.data[c * plane + p] * inverse, lo: 0) }
            }
            stem = maxPool(quantized)
        }
        var x = stem
        var xq = info.stem
        var outputs: [Tensor] = []
        for (unit, a) in zip(q.units, info.units) {
            x = forward(unit, x, input: xq, a)
            xq = a.output
            outputs.append(x)
        }
        let pooled = globalAverage(x, quantization: xq)
        let width = x.channels
        let logits = (0..<q.config.classes).map { j in
            var sum: Float = 0
            for c in 0..<width { sum += q.classifier[j * width + c] * pooled[c] }
            return sum
        }
        return Trace(stem: stem, units: outputs, pooled: pooled, logits: logits)
    }

    /// One unit: pw1 + ReLU → depthwise → channel shuffle → pw2; stride 1 adds the input and applies ReLU, stride 2
    /// concatenates the average-pooled input before ReLU(branch). Every tensor requantized into its own scale.
    static func forward(_ unit: QuantizedWeights.QuantizedUnit, _ x: Tensor, input xq: ActivationQuantization, _ a: UnitActivations) -> Tensor {
        let spec = unit.spec
        let mid = conv(x, unit.pointwise1, stride: 1, pad: 0, requant: Requantization(unit.pointwise1, input: xq, output: a.mid, relu: true))
        var depthwise = conv(mid, unit.depthwise, stride: spec.stride, pad: 0,
                             requant: Requantization(unit.depthwise, input: a.mid, output: a.depthwise, relu: false))
        if spec.groups > 1 { depthwise = shuffle(depthwise, groups: spec.groups) }
        let pw2 = Requantization(unit.pointwise2, input: a.depthwise, output: a.output, relu: true)
        let side = depthwise.side
        var out = Tensor(side: side, channels: spec.outChannels, values: [UInt8](repeating: 0, count: side * side * spec.outChannels))
        let accumulators = accumulate(depthwise, unit.pointwise2, stride: 1)
        let branch = spec.branchChannels, first = spec.stride == 1 ? 0 : spec.inChannels
        let residualScale = Requantization.ratio(xq, a.output)
        for p in 0..<(side * side) {
            for o in 0..<branch {
                let acc = accumulators[p * branch + o]
                out.values[p * spec.outChannels + first + o] = spec.stride == 1
                    ? pw2.apply(acc, channel: o, residual: (x.values[p * x.channels + o], residualScale))
                    : pw2.apply(acc, channel: o)
            }
        }
        if spec.stride == 2 {
            // 3×3/2 pad 1 average of the input, padding counted as 0 (the input's zero point is 0).
            let scale = Requantization.ratio(xq, a.output, count: 9)
            for oy in 0..<side {
                for ox in 0..<side {
                    for c in 0..<spec.inChannels {
                        var sum: Int32 = 0
                        for iy in (2 * oy - 1)...(2 * oy + 1) where iy >= 0 && iy < x.side {
                            for ix in (2 * ox - 1)...(2 * ox + 1) where ix >= 0 && ix < x.side { sum += Int32(x.values[(iy * x.side + ix) * x.channels + c]) }
                        }
                        out.values[(oy * side + ox) * spec.outChannels + c] = Requantization.clamp(Float(sum) * scale, lo: 0)
                    }
                }
            }
        }
        return out
    }

    /// A grouped k×k convolution's int32 accumulators, Σ q·w over the window with `pad` where it leaves the image
    /// (stride `stride`, padding (k − 1) / 2): [outSide²][outChannels].
    static func accumulate(_ x: Tensor, _ w: QuantizedConv, stride: Int, pad: UInt8 = 0) -> [Int32] {
        let k = w.kernel, p = (k - 1) / 2
        let side = (x.side + 2 * p - k) / stride + 1
        let outPerGroup = w.outChannels / w.groups
        var acc = [Int32](repeating: 0, count: side * side * w.outChannels)
        for oy in 0..<side {
            for ox in 0..<side {
                for o in 0..<w.outChannels {
                    let firstInput = (o / outPerGroup) * w.inPerGroup
                    var sum: Int32 = 0
                    for i in 0..<w.inPerGroup {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * stride - p + ky, ix = ox * stride - p + kx
                                let inside = iy >= 0 && iy < x.side && ix >= 0 && ix < x.side
                                let value = inside ? x.values[(iy * x.side + ix) * x.channels + firstInput + i] : pad
                                sum += Int32(value) * Int32(w.weight[((o * w.inPerGroup + i) * k + ky) * k + kx])
                            }
                        }
                    }
                    acc[(oy * side + ox) * w.outChannels + o] = sum
                }
            }
        }
        return acc
    }

    /// A convolution requantized into uint8.
    static func conv(_ x: Tensor, _ w: QuantizedConv, stride: Int, pad: UInt8, requant: Requantization) -> Tensor {
        let acc = accumulate(x, w, stride: stride, pad: pad)
        let side = Int(Double(acc.count / w.outChannels).squareRoot().rounded())
        return Tensor(side: side, channels: w.outChannels, values: acc.indices.map { requant.apply(acc[$0], channel: $0 % w.outChannels) })
    }

    /// 3×3/2 pad 1 max pooling (padding never wins).
    static func maxPool(_ x: Tensor) -> Tensor {
        let side = (x.side - 1) / 2 + 1
        var out = Tensor(side: side, channels: x.channels, values: [UInt8](repeating: 0, count: side * side * x.channels))
        for oy in 0..<side {
            for ox in 0..<side {
                for c in 0..<x.channels {
                    var best: UInt8 = 0
                    for iy in (2 * oy - 1)...(2 * oy + 1) where iy >= 0 && iy < x.side {
                        for ix in (2 * ox - 1)...(2 * ox + 1) where ix >= 0 && ix < x.side { best = max(best, x.values[(iy * x.side + ix) * x.channels + c]) }
                    }
                    out.values[(oy * side + ox) * x.channels + c] = best
                }
            }
        }
        return out
    }

    /// The checkpoints' channel shuffle (`ReferenceKernels.channelShuffle`): output channel gi·(C/g) + i is input channel i·g + gi.
    static func shuffle(_ x: Tensor, groups g: Int) -> Tensor {
        var out = x
        let perGroup = x.channels / g
        for p in 0..<(x.side * x.side) {
            for gi in 0..<g {
                for i in 0..<perGroup { out.values[p * x.channels + gi * perGroup + i] = x.values[p * x.channels + i * g + gi] }
            }
        }
        return out
    }

    /// Each channel's mean in real units: Float(Σ q) · (scale / pixels) (zero point 0).
    static func globalAverage(_ x: Tensor, quantization: ActivationQuantization) -> [Float] {
        let factor = Float(Double(quantization.scale) / Double(x.side * x.side))
        return (0..<x.channels).map { c in
            var sum: Int32 = 0
            for p in 0..<(x.side * x.side) { sum += Int32(x.values[p * x.channels + c]) }
            return Float(sum) * factor
        }
    }
}
