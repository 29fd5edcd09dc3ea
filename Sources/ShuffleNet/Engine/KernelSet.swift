import CCPUFeatures
import EngineKernels
import EngineKernelsAVX512
import Foundation

/// Which compiled copy of the SIMD kernels a session runs.
///
/// The kernel sources (`Sources/EngineKernels`) are compiled twice: `EngineKernels` for the build's
/// baseline CPU (`SHUFFLENET_TARGET_CPU`, default `haswell`: AVX2 + FMA; nothing on arm64) and
/// `EngineKernelsAVX512` (a symlink to the same folder) for `skylake-avx512`. SIMD16<Float> is one ZMM
/// register there and two YMM registers in the baseline, which is most of the difference in speed.
/// `KernelSet.best` picks the AVX-512 copy when the CPU and the OS support it; `SHUFFLENET_KERNELS`
/// (`baseline` or `avx512`) overrides the choice, e.g. to compare the two on one machine.
public enum KernelSet: String, Sendable, CaseIterable, CustomStringConvertible {
    case baseline
    case avx512

    /// Whether this machine can run the set (the baseline always can: the binary was built for it).
    public var isSupported: Bool {
        switch self {
        case .baseline: true
        case .avx512: Self.cpuHasAVX512
        }
    }

    public var description: String {
        switch self {
        case .baseline: "baseline (the build's target CPU)"
        case .avx512: "avx512 (skylake-avx512)"
        }
    }

    /// The fastest set this machine supports, unless `SHUFFLENET_KERNELS` names one.
    public static let best: KernelSet = (try? choose(environment: ProcessInfo.processInfo.environment)) ?? detected

    /// A request for a set this CPU cannot run is refused rather than left to die on an illegal instruction.
    public enum ChoiceError: Error, CustomStringConvertible {
        case unknown(String)
        case unsupported(KernelSet)

        public var description: String {
            switch self {
            case .unknown(let name): "'\(name)' is not a kernel set (use baseline or avx512)"
            case .unsupported(let set): "kernel set '\(set.rawValue)': this CPU does not support \(set)"
            }
        }
    }

    /// The set named by `SHUFFLENET_KERNELS` (empty or absent: the best supported one). Commands call this at
    /// start so that a bad value is an error there; `best` (the library default) falls back to the detected set.
    public static func choose(environment: [String: String]) throws(ChoiceError) -> KernelSet {
        let name = environment["SHUFFLENET_KERNELS", default: ""]
        return name.isEmpty ? detected : try named(name)
    }

    /// The set called `name` (`baseline` or `avx512`), if this CPU can run it.
    public static func named(_ name: String) throws(ChoiceError) -> KernelSet {
        guard let set = KernelSet(rawValue: name) else { throw .unknown(name) }
        guard set.isSupported else { throw .unsupported(set) }
        return set
    }

    /// The fastest set this CPU supports.
    public static var detected: KernelSet { cpuHasAVX512 ? .avx512 : .baseline }

    private static let cpuHasAVX512 = shufflenet_cpu_supports_avx512() != 0

    // MARK: The kernels, by set. Each forwards to the same source compiled for the set's CPU.

    /// `PointwiseKernel.run`: C = epilogue(bias + A·W) over N pixels, M outputs, K inputs.
    func pointwise(N: Int, M: Int, K: Int, A: UnsafePointer<Float>, lda: Int, aStep: Int, W: UnsafePointer<Float>,
                   C: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>,
                   relu: Bool, residual: UnsafePointer<Float>? = nil, ldr: Int = 0, packedK: Int? = nil) {
        switch self {
        case .baseline:
            EngineKernels.PointwiseKernel.run(N: N, M: M, K: K, A: A, lda: lda, aStep: aStep, W: W, C: C, ldc: ldc, bias: bias,
                                              epilogue: .init(relu: relu, residual: residual, ldr: ldr), packedK: packedK)
        case .avx512:
            EngineKernelsAVX512.PointwiseKernel.run(N: N, M: M, K: K, A: A, lda: lda, aStep: aStep, W: W, C: C, ldc: ldc, bias: bias,
                                                    epilogue: .init(relu: relu, residual: residual, ldr: ldr), packedK: packedK)
        }
    }

    /// `DepthwiseKernel.run`: 3×3 depthwise, pad 1, stride 1 or 2, output rows `rows`.
    func depthwise(H: Int, W: Int, C: Int, stride: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                   bias: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>? = nil) {
        switch self {
        case .baseline:
            EngineKernels.DepthwiseKernel.run(H: H, W: W, C: C, stride: stride, input: input, weights: weights, bias: bias,
                                              output: output, zeros: zeros, rows: rows)
        case .avx512:
            EngineKernelsAVX512.DepthwiseKernel.run(H: H, W: W, C: C, stride: stride, input: input, weights: weights, bias: bias,
                                                    output: output, zeros: zeros, rows: rows)
        }
    }

    func maxPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>? = nil) {
        switch self {
        case .baseline: EngineKernels.PoolingKernels.max3x3s2(H: H, W: W, C: C, input: input, output: output, rows: rows)
        case .avx512: EngineKernelsAVX512.PoolingKernels.max3x3s2(H: H, W: W, C: C, input: input, output: output, rows: rows)
        }
    }

    func avgPool(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>? = nil) {
        switch self {
        case .baseline: EngineKernels.PoolingKernels.avg3x3s2(H: H, W: W, C: C, input: input, output: output, ldo: ldo, rows: rows)
        case .avx512: EngineKernelsAVX512.PoolingKernels.avg3x3s2(H: H, W: W, C: C, input: input, output: output, ldo: ldo, rows: rows)
        }
    }

    func globalAverage(pixels: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        switch self {
        case .baseline: EngineKernels.PoolingKernels.globalAverage(pixels: pixels, C: C, input: input, output: output)
        case .avx512: EngineKernelsAVX512.PoolingKernels.globalAverage(pixels: pixels, C: C, input: input, output: output)
        }
    }

    func stemPatches(H: Int, W: Int, input: UnsafePointer<Float>, rows: UnsafeMutablePointer<Float>, outputRows: Range<Int>? = nil) {
        switch self {
        case .baseline: EngineKernels.PoolingKernels.stemPatches(H: H, W: W, input: input, rows: rows, outputRows: outputRows)
        case .avx512: EngineKernelsAVX512.PoolingKernels.stemPatches(H: H, W: W, input: input, rows: rows, outputRows: outputRows)
        }
    }

    // MARK: Row-planar kernels (`RowPlanarLayout`: pixels along the vector, for narrow groups).

    /// `PlanarPointwiseKernel.run`: a grouped 1×1 convolution over image rows `rows`.
    func planarPointwise(rows: Range<Int>, W: Int, groups: Int, M: Int, K: Int, A: UnsafePointer<Float>, aRow: Int, aStep: Int, aGroupStride: Int,
                         weights: UnsafePointer<Float>, C: UnsafeMutablePointer<Float>, cRow: Int, bias: UnsafePointer<Float>, relu: Bool,
                         residual: UnsafePointer<Float>?, rRow: Int) {
        switch self {
        case .baseline:
            EngineKernels.PlanarPointwiseKernel.run(rows: rows, W: W, groups: groups, M: M, K: K, A: A, aRow: aRow, aStep: aStep, aGroupStride: aGroupStride,
                                                    weights: weights, C: C, cRow: cRow, bias: bias, relu: relu, residual: residual, rRow: rRow)
        case .avx512:
            EngineKernelsAVX512.PlanarPointwiseKernel.run(rows: rows, W: W, groups: groups, M: M, K: K, A: A, aRow: aRow, aStep: aStep,
                                                          aGroupStride: aGroupStride, weights: weights, C: C, cRow: cRow, bias: bias, relu: relu,
                                                          residual: residual, rRow: rRow)
        }
    }

    /// `PlanarDepthwiseKernel.run`: 3×3 depthwise, pad 1, stride 1, output rows `rows`.
    func planarDepthwise(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                         output: UnsafeMutablePointer<Float>, zeros: UnsafePointer<Float>, rows: Range<Int>? = nil) {
        switch self {
        case .baseline:
            EngineKernels.PlanarDepthwiseKernel.run(H: H, W: W, C: C, input: input, weights: weights, bias: bias, output: output, zeros: zeros, rows: rows)
        case .avx512:
            EngineKernelsAVX512.PlanarDepthwiseKernel.run(H: H, W: W, C: C, input: input, weights: weights, bias: bias, output: output, zeros: zeros, rows: rows)
        }
    }

    /// NHWC → channels [0, C) of a row-planar tensor with `outputChannels` channels, for image rows `rows`.
    func toPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outputChannels: Int, rows: Range<Int>? = nil) {
        switch self {
        case .baseline:
            EngineKernels.RowPlanarLayout.fromChannelsLast(H: H, W: W, C: C, input: input, output: output, outputChannels: outputChannels, rows: rows)
        case .avx512:
            EngineKernelsAVX512.RowPlanarLayout.fromChannelsLast(H: H, W: W, C: C, input: input, output: output, outputChannels: outputChannels, rows: rows)
        }
    }

    /// Row-planar → NHWC (pixel stride `ldo`) for image rows `rows`.
    func fromPlanar(H: Int, W: Int, C: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, ldo: Int, rows: Range<Int>? = nil) {
        switch self {
        case .baseline: EngineKernels.RowPlanarLayout.toChannelsLast(H: H, W: W, C: C, input: input, output: output, ldo: ldo, rows: rows)
        case .avx512: EngineKernelsAVX512.RowPlanarLayout.toChannelsLast(H: H, W: W, C: C, input: input, output: output, ldo: ldo, rows: rows)
        }
    }

    /// Floats in one row-planar image row per channel (W rounded up past a zero lane).
    static func paddedWidth(_ W: Int) -> Int { EngineKernels.RowPlanarLayout.paddedWidth(W) }

    /// Pixel rows in the 1×1 kernel's register tile; a layer split across threads is cut at multiples of it.
    var rowTile: Int {
        switch self {
        case .baseline: EngineKernels.PointwiseKernel.rowTile
        case .avx512: EngineKernelsAVX512.PointwiseKernel.rowTile
        }
    }

    /// Output channels per packed weight panel (a panel holds one input's weights at 16 consecutive floats).
    static var panelWidth: Int { EngineKernels.PointwiseKernel.panelWidth }

    /// Floats of one group's packed 1×1 weights (the layout is the same in every kernel copy).
    static func packedCount(K: Int, M: Int) -> Int { EngineKernels.PointwiseKernel.packedCount(K: K, M: M) }

    /// Output pixels per side of a 3×3 pad-1 window at `stride`.
    static func outputSide(_ side: Int, stride: Int) -> Int { EngineKernels.DepthwiseKernel.outputSide(side, stride: stride) }
}
