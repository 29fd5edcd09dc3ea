/// Every parameter of a network, BN folded, validated, immutable: one instance is shared by all sessions.
public final class ShuffleNetWeights: Sendable {
    public let config: ShuffleNetConfig
    public let stem: ConvWeights          // 3×3/2 conv, 3 → stem, then ReLU
    public let units: [UnitWeights]
    public let classifier: [Float]        // [classes][lastWidth], no bias

    /// Already folded weights (a quantized model's dequantized ones).
    init(config: ShuffleNetConfig, stem: ConvWeights, units: [UnitWeights], classifier: [Float]) {
        self.config = config
        self.stem = stem
        self.units = units
        self.classifier = classifier
    }

    /// Builds the folded weights from a state dict (names without a `module.` prefix).
    /// Checks that every expected tensor is present, has the expected shape and holds only finite numbers.
    public init(config: ShuffleNetConfig, tensor: (String) throws(WeightsError) -> (shape: [Int], values: [Float])?) throws(WeightsError) {
        do { try config.validate() } catch { throw .architecture(error.description) }
        var loaded: [String: [Float]] = [:]
        for (name, shape) in StateDictLayout.expectedShapes(config) {
            guard let found = try tensor(name) else { throw .missingTensor(name: name, expectedShape: shape) }
            // A Linear/1×1 weight stored without trailing unit dimensions is the same tensor.
            guard found.shape == shape else { throw .unexpectedShape(name: name, expected: shape, found: found.shape) }
            if let bad = found.values.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(name: name, index: bad, value: "\(found.values[bad])")
            }
            loaded[name] = found.values
        }
        func conv(_ prefix: String, _ bnPrefix: String, groups: Int) -> ConvWeights {
            let raw = loaded["\(prefix).weight"]!
            let shape = StateDictLayout.expectedShapes(config).first { $0.name == "\(prefix).weight" }!.shape
            return ConvWeights.folding(weight: raw, shape: shape, groups: groups,
                                       gamma: loaded["\(bnPrefix).weight"]!, beta: loaded["\(bnPrefix).bias"]!,
                                       mean: loaded["\(bnPrefix).running_mean"]!, variance: loaded["\(bnPrefix).running_var"]!)
        }
        self.config = config
        self.stem = conv("first_conv.0", "first_conv.1", groups: 1)
        self.units = config.units.map { unit in
            let p = "features.\(unit.index)"
            let se = unit.seReduction.map { _ in
                SEWeights(channels: unit.branchChannels, hidden: unit.seChannels,
                          fc1Weight: loaded["\(p).se.fc1.weight"]!, fc1Bias: loaded["\(p).se.fc1.bias"]!,
                          fc2Weight: loaded["\(p).se.fc2.weight"]!, fc2Bias: loaded["\(p).se.fc2.bias"]!)
            }
            return UnitWeights(
                spec: unit,
                pointwise1: conv("\(p).branch_main_1.0", "\(p).branch_main_1.1", groups: unit.firstPointwiseGroups),
                depthwise: conv("\(p).branch_main_1.3", "\(p).branch_main_1.4", groups: unit.mid),
                pointwise2: conv("\(p).branch_main_2.0", "\(p).branch_main_2.1", groups: unit.groups),
                se: se)
        }
        self.classifier = loaded["classifier.0.weight"]!
    }
}
