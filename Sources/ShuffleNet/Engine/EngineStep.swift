/// One layer of work, described by value (pointers and sizes) so that it can be handed to helper threads
/// without allocating. `InferenceSession.execute` (StepExecution.swift) runs part `p` of `n` of it.
enum EngineStep: @unchecked Sendable {
    // Raw pointers into session buffers; each part writes a disjoint range of output rows.
    case idle
    /// Whole images per part: a batch spread over the team.
    case images(batch: Int)
    case stem(Stem)
    case pointwise(Pointwise)
    /// The classifier over `N` = batch pooled rows (groups 1): parts take whole 16-class weight panels rather
    /// than rows, so that each thread streams only its share of the weights (one image has one row).
    case classifier(Pointwise)
    case depthwise(H: Int, C: Int, stride: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                   output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>)
    case maxPool(H: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    case avgPool(H: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int)
    // Row-planar steps (`RowPlanarLayout`); H is also the image's width.
    case planarPointwise(PlanarPointwise)
    case planarDepthwise(H: Int, C: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>)
    /// Into channels [0, C) of a row-planar tensor with `outputChannels` channels.
    case toPlanar(H: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputChannels: Int)
    case fromPlanar(H: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
    /// Squeeze-and-excitation: one phase of a block's scales, and of its second 1×1 convolution's weights scaled by them.
    case squeeze(SqueezeStep)

    /// The stem's 3×3/2 convolution (with ReLU) of one image (side × side × 3) into NHWC `output`, as a GEMM
    /// with K = 27 over im2col rows built a band of output rows at a time in `scratch` (nil: the running
    /// thread's own scratch), so that they are still in L1 when the GEMM reads them.
    struct Stem {
        var input: UnsafePointer<Float>, side: Int
        var W: UnsafePointer<Float>, bias: UnsafePointer<Float>, M: Int
        var output: UnsafeMutablePointer<Float>
        var scratch: UnsafeMutablePointer<Float>?
    }

    /// A grouped 1×1 convolution over N pixel rows; group gi reads A + gi·aGroupStride (with `aStep`
    /// between its K inputs), uses weights W + gi·K·M, writes C + gi·M (and adds residual + gi·M).
    struct Pointwise {
        var N: Int, groups: Int, M: Int, K: Int
        var A: UnsafePointer<Float>, lda: Int, aStep: Int, aGroupStride: Int
        var W: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>
        var relu: Bool, residual: UnsafePointer<Float>?, ldr: Int
    }

    /// A grouped 1×1 convolution over H row-planar image rows (H × H pixels); group gi reads the channel planes
    /// from A + gi·aGroupStride·Wp (`aStep` channels between its K inputs) and writes C + gi·M·Wp.
    struct PlanarPointwise {
        var H: Int, groups: Int, M: Int, K: Int
        var A: UnsafePointer<Float>, inChannels: Int, aStep: Int, aGroupStride: Int
        var W: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, outChannels: Int, bias: UnsafePointer<Float>
        var relu: Bool, residual: UnsafePointer<Float>?
    }

    /// Multiply-adds the whole step performs (for profiles; 0 for steps that only move or compare data).
    var multiplyAdds: Int {
        switch self {
        case .pointwise(let p), .classifier(let p): return p.N * p.groups * p.M * p.K
        case .depthwise(let H, let C, let stride, _, _, _, _, _):
            let out = KernelSet.outputSide(H, stride: stride)
            return out * out * C * 9
        case .planarPointwise(let p): return p.H * p.H * p.groups * p.M * p.K
        case .stem(let s):
            let out = KernelSet.outputSide(s.side, stride: 2)
            return out * out * 27 * s.M
        case .planarDepthwise(let H, let C, _, _, _, _, _): return H * H * C * 9
        case .squeeze(let s): return s.multiplyAdds
        case .idle, .images, .maxPool, .avgPool, .toPlanar, .fromPlanar: return 0
        }
    }

    /// Part `part` of `parts` of `count` rows, rounded to multiples of `quantum` (the GEMM tile height).
    static func share(_ count: Int, part: Int, parts: Int, quantum: Int = 1) -> Range<Int> {
        let chunk = ((count + parts - 1) / parts + quantum - 1) / quantum * quantum
        let start = min(count, part * chunk)
        return start..<min(count, start + chunk)
    }
}
