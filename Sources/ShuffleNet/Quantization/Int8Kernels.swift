import CInt8Kernels
import Foundation

/// Which copy of the int8 kernels (Sources/CInt8Kernels) a quantized session runs. Every copy computes the same
/// bytes; they differ in instructions: `avx512vnni` (512-bit vpdpbusd), `avxvnni` (256-bit vpdpbusd on AVX2-only
/// parts), `avx2` (int16 widening and vpmaddwd, for x86-64 CPUs without VNNI: never saturates) and `portable`
/// (plain C, any CPU). `best` is the fastest this CPU runs, unless `SHUFFLENET_INT8_KERNELS` names another.
public enum Int8Kernels: String, Sendable, CaseIterable, CustomStringConvertible {
    case portable, avx2, avxvnni, avx512vnni   // in order of preference, the most preferred last

    var isa: sn_int8_isa {
        switch self {
        case .portable: SN_INT8_PORTABLE
        case .avx2: SN_INT8_AVX2
        case .avxvnni: SN_INT8_AVX_VNNI
        case .avx512vnni: SN_INT8_AVX512_VNNI
        }
    }

    /// Whether this CPU and OS can run the copy (cpuid and xgetbv, checked before any of its code runs).
    public var isSupported: Bool { sn_int8_supports(isa) != 0 }

    public var description: String { rawValue }

    /// The fastest copy this CPU supports.
    public static var detected: Int8Kernels { allCases.last(where: \.isSupported) ?? .portable }

    /// The copy `SHUFFLENET_INT8_KERNELS` names (empty or absent: the detected one); a name this CPU cannot run is an error.
    public static func choose(environment: [String: String]) throws(ChoiceError) -> Int8Kernels {
        let name = environment["SHUFFLENET_INT8_KERNELS", default: ""]
        guard !name.isEmpty else { return detected }
        guard let set = Int8Kernels(rawValue: name) else { throw .unknown(name) }
        guard set.isSupported else { throw .unsupported(set) }
        return set
    }

    public enum ChoiceError: Error, CustomStringConvertible {
        case unknown(String)
        case unsupported(Int8Kernels)

        public var description: String {
            switch self {
            case .unknown(let name): "SHUFFLENET_INT8_KERNELS: '\(name)' is not an int8 kernel copy (use \(Int8Kernels.allCases.map(\.rawValue).joined(separator: ", ")))"
            case .unsupported(let set): "SHUFFLENET_INT8_KERNELS: this CPU does not support the \(set) int8 kernels"
            }
        }
    }

    /// The library default: `choose` with this process's environment, falling back to the detected copy.
    public static let best: Int8Kernels = (try? choose(environment: ProcessInfo.processInfo.environment)) ?? detected
}
