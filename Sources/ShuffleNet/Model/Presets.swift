import Foundation

/// Named architectures: the exact tables of the Megvii checkpoints and the paper's Table 1 family.
public enum Presets {
    /// Megvii ShuffleNet-Series `stage_out_channels` (stem, stage 2, 3, 4) per (model size, groups).
    static let megvii: [(scale: String, groups: Int, stem: Int, widths: [Int])] = [
        ("0.5x", 3, 12, [120, 240, 480]), ("0.5x", 8, 16, [192, 384, 768]),
        ("1.0x", 3, 24, [240, 480, 960]), ("1.0x", 8, 24, [384, 768, 1536]),
        ("1.5x", 3, 24, [360, 720, 1440]), ("1.5x", 8, 24, [576, 1152, 2304]),
        ("2.0x", 3, 48, [480, 960, 1920]), ("2.0x", 8, 48, [768, 1536, 3072]),
    ]

    /// The paper's stage-2 output width at 1× for g = 1, 2, 3, 4, 8 (doubled per stage).
    public static let paperStage2Width: [Int: Int] = [1: 144, 2: 200, 3: 240, 4: 272, 8: 384]
    public static let paperScales: [Double] = [0.25, 0.5, 1, 1.5, 2]

    /// The paper's stem width for a scale: 24 at 1× and 1.5×, 12 at 0.5× and 0.25×, 48 at 2×.
    public static func paperStem(scale: Double) -> Int {
        scale >= 2 ? 48 : (scale >= 1 ? 24 : 12)
    }

    static func scaleName(_ scale: Double) -> String {
        scale == scale.rounded() ? "\(Int(scale)).0x" : "\(scale)x"
    }

    /// The paper's network at scale `s`: stage-2 width s × (1× width), rounded to the nearest multiple of 4g
    /// so that mid = out/4 divides by g; stem from `paperStem`. May still be invalid (e.g. 0.25× g8, whose
    /// stride-2 branch 96 − 12 does not divide by 8): `validate()` says so.
    public static func paper(scale: Double, groups: Int, classes: Int = 1000, inputSize: Int = 224) -> ShuffleNetConfig {
        let base = Double(paperStage2Width[groups] ?? 240) * scale
        let quantum = Double(4 * groups)
        let stage2 = Int((base / quantum).rounded()) * Int(quantum)
        return ShuffleNetConfig(groups: groups, stem: paperStem(scale: scale), widths: [stage2, 2 * stage2, 4 * stage2],
                                classes: classes, inputSize: inputSize)
    }

    /// The paper's "ShuffleNet 2× (with SE, g = 3)": 2× g3 with squeeze-and-excitation, r = 16, on every unit.
    public static var paperSE: ShuffleNetConfig {
        var config = paper(scale: 2, groups: 3)
        config.seReduction = 16
        return config
    }

    /// The paper's "ShuffleNet 0.5× (shallow, g = 3)", as we reconstruct it (docs/shallow-shufflenet.md): stage
    /// repeats [2, 4, 2] and the stage-2 width on the paper's grid (multiples of 4g = 12, doubled per stage)
    /// nearest 40 MFLOPs: 180/360/720 (41.6; 168/336/672 would be 37.0). Stem 12, as at 0.5×.
    public static var paperShallow: ShuffleNetConfig {
        ShuffleNetConfig(groups: 3, stem: 12, widths: [180, 360, 720], repeats: [2, 4, 2])
    }

    /// Every named preset: `megvii-<scale>-g<g>` (the checkpoints' exact tables), `paper-<scale>-g<g>`, and the
    /// paper's two variants `paper-2.0x-g3-se` and `paper-0.5x-g3-shallow`.
    public static var all: [(name: String, config: ShuffleNetConfig)] {
        var list = megvii.map { entry in
            ("megvii-\(entry.scale)-g\(entry.groups)", ShuffleNetConfig(groups: entry.groups, stem: entry.stem, widths: entry.widths))
        }
        for scale in paperScales {
            for g in ShuffleNetConfig.allowedGroups {
                list.append(("paper-\(scaleName(scale))-g\(g)", paper(scale: scale, groups: g)))
            }
        }
        list.append(("paper-2.0x-g3-se", paperSE))
        list.append(("paper-0.5x-g3-shallow", paperShallow))
        return list
    }

    /// Looks a preset up by name; `0.5x`, `1x` and `1.0x` spell the same scale.
    public static func named(_ name: String) throws(ConfigError) -> ShuffleNetConfig {
        let wanted = normalise(name)
        if let hit = all.first(where: { normalise($0.name) == wanted }) { return hit.config }
        throw .unknownPreset(name, known: all.map(\.name))
    }

    private static func normalise(_ name: String) -> String {
        name.lowercased().replacingOccurrences(of: ".0x", with: "x")
    }
}
