import CInt8Kernels
import EngineKernels

/// A quantized network's weights packed once for the int8 kernels, with every requantization constant
/// (`Requantization`) laid out as the kernels read it; immutable and shared by every `QuantizedSession`.
///
/// Layouts: 1×1 convolutions per group a K × M matrix in `sn_int8_pack`'s layout, groups one after another
/// (`packedBytes` each); depthwise [9][C] int8, tap-major; the float stem and classifier in the float GEMM's
/// panels (`PackedNetwork`).
public final class QuantizedNetwork: @unchecked Sendable {
    // Written only in init; read-only afterwards.
    struct Gemm {
        let groups: Int, k: Int, m: Int          // per group: K inputs, M outputs
        let packedBytes: Int                     // one group's packed weights
        let weight: AlignedBuffer<Int8>          // groups × packedBytes
        let scale: AlignedBuffer<Float>          // [groups·M]
        let offset: AlignedBuffer<Float>         // [groups·M]
        let correction: AlignedBuffer<Int32>?    // [groups·M], when the input's zero point is not 0
        let lo: Int32
    }

    struct Unit {
        let spec: UnitSpec
        let pointwise1: Gemm
        let depthwise: AlignedBuffer<Int8>       // [9][mid]
        let depthwiseScale: AlignedBuffer<Float> // [mid]
        let depthwiseOffset: AlignedBuffer<Float>
        let shuffle: AlignedBuffer<UInt16>?      // [mid]: where the depthwise output's channel c goes (nil: groups 1)
        let pointwise2: Gemm
        let residualScale: Float                 // stride 1: the input's uint8 in the output's scale
        let averageScale: Float                  // stride 2: the shortcut's 3×3 sum in the output's scale (1/9 included)
    }

    public let weights: QuantizedWeights
    public var config: ShuffleNetConfig { weights.config }
    let stem: PackedNetwork.Pointwise            // float, K = 27 (`PackedNetwork.packStem`)
    let stemInverseScale: Float                  // the stem's ReLU output → uint8 (zero point 0)
    let units: [Unit]
    let classifier: FloatBuffer                  // K = last width, M = classes, float GEMM panels
    let classifierBias: FloatBuffer              // zeros
    /// The last unit's output scale: the pooled features are Float(Σ q) · scale / pixels.
    let outputScale: Float

    public init(_ q: QuantizedWeights) {
        weights = q
        let info = q.info
        stem = PackedNetwork.packStem(q.stem)
        stemInverseScale = Float(1 / Double(info.stem.scale))
        var input = info.stem
        units = zip(q.units, info.units).map { unit, a in
            defer { input = a.output }
            let spec = unit.spec, mid = spec.mid, g = spec.groups
            var depthwise = [Int8](repeating: 0, count: 9 * mid)
            for c in 0..<mid { for t in 0..<9 { depthwise[t * mid + c] = unit.depthwise.weight[c * 9 + t] } }
            let dw = Requantization(unit.depthwise, input: a.mid, output: a.depthwise, relu: false)
            // The checkpoints' shuffle: natural channel c = i·g + gi goes to gi·(C/g) + i.
            let shuffle = g > 1 ? AlignedBuffer((0..<mid).map { c in UInt16((c % g) * (mid / g) + c / g) }) : nil
            return Unit(spec: spec,
                        pointwise1: Self.gemm(rows: unit.pointwise1.weight, k: unit.pointwise1.inPerGroup, groups: spec.firstPointwiseGroups,
                                              conv: unit.pointwise1, Requantization(unit.pointwise1, input: input, output: a.mid, relu: true)),
                        depthwise: AlignedBuffer(depthwise), depthwiseScale: AlignedBuffer(dw.scale), depthwiseOffset: AlignedBuffer(dw.offset),
                        shuffle: shuffle,
                        pointwise2: Self.gemm(rows: unit.pointwise2.weight, k: unit.pointwise2.inPerGroup, groups: g,
                                              conv: unit.pointwise2, Requantization(unit.pointwise2, input: a.depthwise, output: a.output, relu: true)),
                        residualScale: Requantization.ratio(input, a.output),
                        averageScale: Requantization.ratio(input, a.output, count: 9))
        }
        outputScale = (info.units.last?.output ?? info.stem).scale
        let classes = q.config.classes, width = q.config.widths.last ?? 0
        var transposed = [Float](repeating: 0, count: PointwiseKernel.packedCount(K: width, M: classes))
        for j in 0..<classes {
            for c in 0..<width { transposed[PointwiseKernel.packedIndex(k: c, m: j, K: width)] = q.classifier[j * width + c] }
        }
        classifier = FloatBuffer(transposed)
        classifierBias = FloatBuffer(count: classes)
    }

    deinit {
        stem.weight.free()
        stem.bias.free()
        for g in units.flatMap({ [$0.pointwise1, $0.pointwise2] }) {
            g.weight.free(); g.scale.free(); g.offset.free(); g.correction?.free()
        }
        for u in units { u.depthwise.free(); u.depthwiseScale.free(); u.depthwiseOffset.free(); u.shuffle?.free() }
        classifier.free()
        classifierBias.free()
    }

    /// Packs a grouped 1×1 convolution: `rows` is [groups·M][k], output-major.
    private static func gemm(rows: [Int8], k: Int, groups: Int, conv: QuantizedConv, _ r: Requantization) -> Gemm {
        let m = conv.outChannels / groups
        let packedBytes = sn_int8_packed_size(k, m)
        let weight = AlignedBuffer<Int8>(count: groups * packedBytes)
        rows.withUnsafeBufferPointer { all in
            for gi in 0..<groups { sn_int8_pack(all.baseAddress! + gi * m * k, k, m, weight.pointer + gi * packedBytes) }
        }
        return Gemm(groups: groups, k: k, m: m, packedBytes: packedBytes, weight: weight, scale: AlignedBuffer(r.scale),
                    offset: AlignedBuffer(r.offset), correction: r.correction.map { AlignedBuffer($0) }, lo: r.lo)
    }
}
