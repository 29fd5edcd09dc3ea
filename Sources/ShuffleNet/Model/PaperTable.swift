/// The complexities the ShuffleNet paper (Zhang et al., 2017, Tables 1–2 and 5) reports, in MFLOPs
/// (multiply-adds at 224×224), and the tolerance within which our count must reproduce each.
public enum PaperTable {
    public struct Row: Sendable {
        public let scale: Double
        public let groups: Int
        public let paperMFLOPs: Double
        public let tolerance: Double   // relative
        public var config: ShuffleNetConfig { Presets.paper(scale: scale, groups: groups) }
    }

    public static let rows: [Row] = [
        Row(scale: 1, groups: 1, paperMFLOPs: 143, tolerance: 0.02),
        Row(scale: 1, groups: 2, paperMFLOPs: 140, tolerance: 0.02),
        Row(scale: 1, groups: 3, paperMFLOPs: 137, tolerance: 0.02),
        Row(scale: 1, groups: 4, paperMFLOPs: 133, tolerance: 0.02),
        Row(scale: 1, groups: 8, paperMFLOPs: 137, tolerance: 0.02),
        Row(scale: 0.5, groups: 3, paperMFLOPs: 38, tolerance: 0.02),
        Row(scale: 0.25, groups: 3, paperMFLOPs: 13, tolerance: 0.03),
        Row(scale: 1.5, groups: 3, paperMFLOPs: 292, tolerance: 0.02),
        Row(scale: 2, groups: 3, paperMFLOPs: 524, tolerance: 0.02),
    ]

    /// A row of the paper's comparison with MobileNet (its Table 5): the paper's own name, complexity and top-1
    /// error. `config` is our network for a ShuffleNet row; nil for a MobileNet row, quoted from the paper.
    public struct ComparisonRow: Sendable {
        public let name: String
        public let paperMFLOPs: Double
        public let paperError: Double  // top-1 error on ImageNet, percent
        public let tolerance: Double   // relative, for our count of a ShuffleNet row
        public let config: ShuffleNetConfig?
        public var isQuoted: Bool { config == nil }
    }

    public static let comparison: [ComparisonRow] = [
        ComparisonRow(name: "1.0 MobileNet-224", paperMFLOPs: 569, paperError: 29.4, tolerance: 0, config: nil),
        ComparisonRow(name: "ShuffleNet 2× (g = 3)", paperMFLOPs: 524, paperError: 26.3, tolerance: 0.02, config: Presets.paper(scale: 2, groups: 3)),
        ComparisonRow(name: "ShuffleNet 2× (with SE, g = 3)", paperMFLOPs: 527, paperError: 24.7, tolerance: 0.02, config: Presets.paperSE),
        ComparisonRow(name: "0.75 MobileNet-224", paperMFLOPs: 325, paperError: 31.6, tolerance: 0, config: nil),
        ComparisonRow(name: "ShuffleNet 1.5× (g = 3)", paperMFLOPs: 292, paperError: 28.5, tolerance: 0.02, config: Presets.paper(scale: 1.5, groups: 3)),
        ComparisonRow(name: "0.5 MobileNet-224", paperMFLOPs: 149, paperError: 36.3, tolerance: 0, config: nil),
        ComparisonRow(name: "ShuffleNet 1× (g = 8)", paperMFLOPs: 140, paperError: 32.4, tolerance: 0.02, config: Presets.paper(scale: 1, groups: 8)),
        ComparisonRow(name: "0.25 MobileNet-224", paperMFLOPs: 41, paperError: 49.4, tolerance: 0, config: nil),
        // 0.5 × 272 = 136 is no multiple of 4g = 16; our grid's 144/288/576 counts 40.7 (128 would be 33.4).
        ComparisonRow(name: "ShuffleNet 0.5× (g = 4)", paperMFLOPs: 38, paperError: 41.6, tolerance: 0.08, config: Presets.paper(scale: 0.5, groups: 4)),
        ComparisonRow(name: "ShuffleNet 0.5× (shallow, g = 3)", paperMFLOPs: 40, paperError: 42.8, tolerance: 0.05, config: Presets.paperShallow),
    ]
}
