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
}
