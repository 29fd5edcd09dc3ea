import EngineKernels

/// The network's folded weights repacked once for the SIMD kernels; immutable and shared by every session.
///
/// Layouts (all Float, 64-byte aligned):
/// - 1×1 convs: per group a [K][M] matrix (input k, output m) in the GEMM kernel's packed panels
///   (`PointwiseKernel.packedIndex`: 16 outputs × K, contiguous), groups one after another, each
///   `PointwiseKernel.packedCount(K:M:)` floats.
/// - stem: the same with K = 27, k = (ky·3 + kx)·3 + channel, matching `PoolingKernels.stemPatches`.
/// - depthwise: [9][C], tap-major.
/// - classifier: K = C, M = classes (the transpose of the FC weight), so it runs as a one-row GEMM.
public final class PackedNetwork: @unchecked Sendable {
    // Written only in init; read-only afterwards, so sharing across threads is safe.
    struct Pointwise {
        let groups: Int, k: Int, m: Int  // per group: K inputs, M outputs
        let weight: FloatBuffer          // groups × packedCount(K, M)
        let bias: FloatBuffer            // groups × M
    }

    struct Unit {
        let spec: UnitSpec
        let pointwise1: Pointwise
        let depthwise: FloatBuffer       // [9][mid]
        let depthwiseBias: FloatBuffer   // [mid]
        let pointwise2: Pointwise
        let se: SqueezeExcite?           // squeeze-and-excitation after pointwise2 (SqueezeExciteStep.swift)
    }

    public let config: ShuffleNetConfig
    let stem: Pointwise                  // one group, K = 27
    let units: [Unit]
    let classifier: Pointwise            // one group, K = last width, M = classes, zero bias

    public init(_ weights: ShuffleNetWeights) {
        config = weights.config
        stem = Self.packStem(weights.stem)
        units = weights.units.map { unit in
            Unit(spec: unit.spec,
                 pointwise1: Self.packPointwise(unit.pointwise1),
                 depthwise: Self.packDepthwise(unit.depthwise),
                 depthwiseBias: FloatBuffer(unit.depthwise.bias),
                 pointwise2: Self.packPointwise(unit.pointwise2),
                 se: unit.se.map(SqueezeExcite.init))
        }
        let classes = weights.config.classes, width = weights.config.widths.last ?? 0
        var transposed = [Float](repeating: 0, count: PointwiseKernel.packedCount(K: width, M: classes))
        for j in 0..<classes {
            for c in 0..<width { transposed[PointwiseKernel.packedIndex(k: c, m: j, K: width)] = weights.classifier[j * width + c] }
        }
        classifier = Pointwise(groups: 1, k: width, m: classes, weight: FloatBuffer(transposed), bias: FloatBuffer(count: classes))
    }

    deinit {
        for p in [stem, classifier] + units.flatMap({ [$0.pointwise1, $0.pointwise2] }) { p.weight.free(); p.bias.free() }
        for unit in units { unit.depthwise.free(); unit.depthwiseBias.free(); unit.se?.free() }
    }

    /// OIHW [out][in/groups][1][1] → per group K × M in packed panels.
    static func packPointwise(_ conv: ConvWeights) -> Pointwise {
        let g = conv.groups, k = conv.inPerGroup, m = conv.outChannels / g
        let perGroup = PointwiseKernel.packedCount(K: k, M: m)
        var packed = [Float](repeating: 0, count: g * perGroup)
        for gi in 0..<g {
            for o in 0..<m {
                for i in 0..<k { packed[gi * perGroup + PointwiseKernel.packedIndex(k: i, m: o, K: k)] = conv.weight[(gi * m + o) * k + i] }
            }
        }
        return Pointwise(groups: g, k: k, m: m, weight: FloatBuffer(packed), bias: FloatBuffer(conv.bias))
    }

    /// OIHW [stem][3][3][3] → K = 27 ((ky·3 + kx)·3 + ci) × M = stem, in packed panels.
    static func packStem(_ conv: ConvWeights) -> Pointwise {
        let m = conv.outChannels
        var packed = [Float](repeating: 0, count: PointwiseKernel.packedCount(K: 27, M: m))
        for o in 0..<m {
            for ci in 0..<3 {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        packed[PointwiseKernel.packedIndex(k: (ky * 3 + kx) * 3 + ci, m: o, K: 27)] = conv.weight[((o * 3 + ci) * 3 + ky) * 3 + kx]
                    }
                }
            }
        }
        return Pointwise(groups: 1, k: 27, m: m, weight: FloatBuffer(packed), bias: FloatBuffer(conv.bias))
    }

    /// [C][1][3][3] → [9][C].
    static func packDepthwise(_ conv: ConvWeights) -> FloatBuffer {
        let c = conv.outChannels
        var packed = [Float](repeating: 0, count: 9 * c)
        for ch in 0..<c { for t in 0..<9 { packed[t * c + ch] = conv.weight[ch * 9 + t] } }
        return FloatBuffer(packed)
    }
}
