/// The shape of a ShuffleNet v1 network: everything needed to size weights and buffers, nothing else.
///
/// Layout (Megvii's module, which the checkpoints follow): stem conv 3×3/2 → BN → ReLU → maxpool 3×3/2,
/// three stages of units (the first unit of each stage has stride 2), global average pool, a bias-free
/// linear classifier. Input is `inputSize`×`inputSize` (a multiple of 32: five stride-2 steps).
public struct ShuffleNetConfig: Sendable, Hashable, Codable, CustomStringConvertible {
    public static let allowedGroups = [1, 2, 3, 4, 8]

    public var groups: Int        // g of the grouped 1×1 convolutions
    public var stem: Int          // output channels of the stem conv
    public var widths: [Int]      // output channels of stages 2, 3, 4
    public var repeats: [Int]     // units per stage (the paper: 4, 8, 4)
    public var classes: Int       // classifier outputs
    public var inputSize: Int     // pixels per side of the square input
    /// Squeeze-and-excitation reduction r on every unit's branch (nil: no SE). The block's hidden width is
    /// floor(C / r) for the branch's C channels (`UnitSpec.seChannels`).
    public var seReduction: Int?

    public init(groups: Int, stem: Int, widths: [Int], repeats: [Int] = [4, 8, 4], classes: Int = 1000, inputSize: Int = 224, seReduction: Int? = nil) {
        self.groups = groups
        self.stem = stem
        self.widths = widths
        self.repeats = repeats
        self.classes = classes
        self.inputSize = inputSize
        self.seReduction = seReduction
    }

    enum CodingKeys: String, CodingKey {
        case groups, stem, widths, repeats, classes
        case inputSize = "input_size"
        case seReduction = "se_reduction"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            groups: try c.decode(Int.self, forKey: .groups),
            stem: try c.decode(Int.self, forKey: .stem),
            widths: try c.decode([Int].self, forKey: .widths),
            repeats: try c.decodeIfPresent([Int].self, forKey: .repeats) ?? [4, 8, 4],
            classes: try c.decodeIfPresent(Int.self, forKey: .classes) ?? 1000,
            inputSize: try c.decodeIfPresent(Int.self, forKey: .inputSize) ?? 224,
            seReduction: try c.decodeIfPresent(Int.self, forKey: .seReduction))
    }

    public var description: String {
        "g\(groups) stem \(stem) widths \(widths.map(String.init).joined(separator: "/")) repeats \(repeats.map(String.init).joined(separator: ",")) classes \(classes) input \(inputSize)"
            + (seReduction.map { " se r\($0)" } ?? "")
    }

    /// Every unit in network order, with its channel counts. Only meaningful for a valid config.
    public var units: [UnitSpec] {
        var result: [UnitSpec] = []
        var channels = stem
        for (stage, (width, count)) in zip(widths, repeats).enumerated() {
            for i in 0..<count {
                let stride = i == 0 ? 2 : 1
                result.append(UnitSpec(
                    index: result.count, stage: stage, inChannels: channels, outChannels: width, stride: stride,
                    groups: groups, firstPointwiseGroups: (stage == 0 && i == 0) ? 1 : groups, seReduction: seReduction))
                channels = width
            }
        }
        return result
    }

    /// Spatial side (pixels) of the activations entering stage 2: input / 4 after stem conv and maxpool.
    public var stemOutputSize: Int { Self.halved(Self.halved(inputSize)) }

    /// Output side of a 3×3, stride 2, pad 1 window over `side` pixels.
    static func halved(_ side: Int) -> Int { (side - 1) / 2 + 1 }

    /// Checks every rule the layers impose; the error names the width and the rule it breaks.
    public func validate() throws(ConfigError) {
        guard Self.allowedGroups.contains(groups) else {
            throw .invalid("groups must be one of 1, 2, 3, 4, 8 (got \(groups))")
        }
        guard widths.count == 3, repeats.count == 3 else {
            throw .invalid("ShuffleNet v1 has 3 stages: need 3 widths and 3 repeat counts (got \(widths.count) and \(repeats.count))")
        }
        guard stem > 0 else { throw .invalid("stem width must be positive (got \(stem))") }
        guard classes > 0 else { throw .invalid("classes must be positive (got \(classes))") }
        for (stage, count) in repeats.enumerated() where count < 1 {
            throw .invalid("stage \(stage + 2) needs at least one unit (got \(count))")
        }
        guard inputSize >= 32, inputSize % 32 == 0 else {
            throw .invalid("input size must be a positive multiple of 32 (got \(inputSize))")
        }
        if let r = seReduction, r < 1 { throw .invalid("se_reduction must be positive (got \(r))") }
        for unit in units {
            let where_ = "stage \(unit.stage + 2) unit \(unit.index) (\(unit.inChannels) → \(unit.outChannels))"
            guard unit.outChannels % 4 == 0 else {
                throw .invalid("\(where_): output width \(unit.outChannels) must divide by 4 (bottleneck mid = out/4)")
            }
            guard unit.mid % groups == 0 else {
                throw .invalid("\(where_): bottleneck width mid = \(unit.outChannels)/4 = \(unit.mid) must divide by g = \(groups)")
            }
            guard unit.branchChannels > 0 else {
                throw .invalid("\(where_): stride-2 branch width out − in = \(unit.branchChannels) must be positive")
            }
            guard unit.branchChannels % groups == 0 else {
                throw .invalid("\(where_): stride-2 branch width out − in = \(unit.outChannels) − \(unit.inChannels) = \(unit.branchChannels) must divide by g = \(groups)")
            }
            guard unit.inChannels % unit.firstPointwiseGroups == 0 else {
                throw .invalid("\(where_): input width \(unit.inChannels) must divide by g = \(groups) for the grouped 1×1 conv")
            }
            if let r = seReduction, unit.seChannels < 1 {
                throw .invalid("\(where_): SE hidden width floor(\(unit.branchChannels) / \(r)) is 0; use a smaller se_reduction")
            }
        }
    }
}

/// One ShuffleNet unit: 1×1 (grouped) conv → BN → ReLU → 3×3 depthwise (stride) → BN → shuffle → 1×1 grouped conv → BN,
/// then `ReLU(x + branch)` (stride 1) or `concat(avgpool(x), ReLU(branch))` (stride 2).
public struct UnitSpec: Sendable, Hashable {
    public let index: Int                 // position in `features`
    public let stage: Int                 // 0, 1, 2 for the paper's stages 2, 3, 4
    public let inChannels: Int
    public let outChannels: Int
    public let stride: Int                // 2 for the first unit of a stage
    public let groups: Int                // g of the second 1×1 conv (and the shuffle)
    public let firstPointwiseGroups: Int  // 1 for the very first unit of the network, else g
    public var seReduction: Int? = nil     // r of the unit's squeeze-and-excitation block, nil without one

    public var mid: Int { outChannels / 4 }
    /// Channels the branch produces: all of them for stride 1, `out − in` for stride 2 (avgpool fills the rest).
    public var branchChannels: Int { stride == 2 ? outChannels - inChannels : outChannels }
    /// Hidden width m = floor(C / r) of the SE block over the branch's C channels; 0 without SE.
    public var seChannels: Int { seReduction.map { branchChannels / $0 } ?? 0 }
}

public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case unknownPreset(String, known: [String])

    public var description: String {
        switch self {
        case .invalid(let why): return "invalid ShuffleNet architecture: \(why)"
        case .unknownPreset(let name, let known): return "unknown preset '\(name)'; known presets: \(known.joined(separator: ", "))"
        }
    }
}
