import CCPUFeatures
import EngineKernels
import EngineKernelsAVX512
import Foundation
import KernelInterface

/// Which compiled copy of the SIMD kernels a session runs.
///
/// The kernel sources (`Sources/EngineKernels`) are compiled twice: `EngineKernels` for the build's
/// baseline CPU (`SHUFFLENET_TARGET_CPU`, default `haswell`: AVX2 + FMA; nothing on arm64) and
/// `EngineKernelsAVX512` (a symlink to the same folder) for `skylake-avx512`. SIMD16<Float> is one ZMM
/// register there and two YMM registers in the baseline, which is most of the difference in speed.
/// `KernelSet.best` picks the AVX-512 copy when the CPU and the OS support it; `SHUFFLENET_KERNELS`
/// (`baseline` or `avx512`) overrides the choice, e.g. to compare the two on one machine.
///
/// Another copy (another CPU target) is a case here plus its line in `kernels`, `isSupported` (its cpuid
/// check, made before any of its code runs) and `targetCPU`. Cases are in order of preference, the most
/// preferred last (`detected` takes the last one this CPU supports).
public enum KernelSet: String, Sendable, CaseIterable, CustomStringConvertible {
    case baseline
    case avx512

    /// The copy's kernels, each a method of one `KernelCopy` type.
    var kernels: any KernelCopy.Type {
        switch self {
        case .baseline: EngineKernels.Kernels.self
        case .avx512: EngineKernelsAVX512.Kernels.self
        }
    }

    /// Whether this machine can run the set (the baseline always can: the binary was built for it).
    public var isSupported: Bool {
        switch self {
        case .baseline: true
        case .avx512: Self.cpuHasAVX512
        }
    }

    /// The CPU the copy is compiled for.
    private var targetCPU: String {
        switch self {
        case .baseline: "the build's target CPU"
        case .avx512: "skylake-avx512"
        }
    }

    public var description: String { "\(rawValue) (\(targetCPU))" }

    /// The fastest set this machine supports, unless `SHUFFLENET_KERNELS` names one.
    public static let best: KernelSet = (try? choose(environment: ProcessInfo.processInfo.environment)) ?? detected

    /// A request for a set this CPU cannot run is refused rather than left to die on an illegal instruction.
    public enum ChoiceError: Error, CustomStringConvertible {
        case unknown(String)
        case unsupported(KernelSet)

        public var description: String {
            switch self {
            case .unknown(let name): "'\(name)' is not a kernel set (use \(KernelSet.allCases.map(\.rawValue).joined(separator: " or ")))"
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

    /// The fastest set this CPU supports (the last case it can run).
    public static var detected: KernelSet { allCases.last(where: \.isSupported) ?? .baseline }

    private static let cpuHasAVX512 = shufflenet_cpu_supports_avx512() != 0

    // MARK: Layouts every copy shares (they are compiled from the same source).

    /// Floats in one row-planar image row per channel (W rounded up past a zero lane).
    static func paddedWidth(_ W: Int) -> Int { EngineKernels.RowPlanarLayout.paddedWidth(W) }

    /// Output channels per packed weight panel (a panel holds one input's weights at 16 consecutive floats).
    static var panelWidth: Int { EngineKernels.PointwiseKernel.panelWidth }

    /// Floats of one group's packed 1×1 weights.
    static func packedCount(K: Int, M: Int) -> Int { EngineKernels.PointwiseKernel.packedCount(K: K, M: M) }

    /// Output pixels per side of a 3×3 pad-1 window at `stride`.
    static func outputSide(_ side: Int, stride: Int) -> Int { EngineKernels.DepthwiseKernel.outputSide(side, stride: stride) }
}
