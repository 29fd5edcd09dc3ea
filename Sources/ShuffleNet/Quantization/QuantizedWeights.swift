/// A whole network quantized for the int8 engine: every unit's convolutions in int8, the activation quantization
/// of every tensor between them (`QuantizationInfo`), and the float stem and classifier. Immutable and shared.
///
/// The stem stays float: its 27 weights per channel quantized to int8 alone moved the logits by ~6 % of their
/// range (docs/int8.md), more than any other layer, for ~20 % of the work of 0.5× g3.
///
/// In a model file (safetensors, metadata key `quantization`), the tensors are named
///   stem.{weight,bias}, features.{i}.{pw1,dw,pw2}.{weight,weight_scale,bias}, classifier.weight
/// with the units' weight I8 (OIHW, BatchNorm folded), weight_scale and bias F32 [out], stem.weight F32 OIHW
/// (folded), classifier.weight F32 [classes][C].
public final class QuantizedWeights: Sendable {
    public let config: ShuffleNetConfig
    public let info: QuantizationInfo
    public let stem: ConvWeights            // 3×3/2, 3 → stem, then ReLU; float
    public let units: [QuantizedUnit]
    public let classifier: [Float]          // [classes][lastWidth], no bias (float: a few percent of the work)

    public struct QuantizedUnit: Sendable {
        public let spec: UnitSpec
        public let pointwise1: QuantizedConv  // then ReLU
        public let depthwise: QuantizedConv
        public let pointwise2: QuantizedConv  // over the shuffled depthwise output
    }

    init(config: ShuffleNetConfig, info: QuantizationInfo, stem: ConvWeights, units: [QuantizedUnit], classifier: [Float]) {
        self.config = config
        self.info = info
        self.stem = stem
        self.units = units
        self.classifier = classifier
    }

    /// Quantizes float weights with the activation ranges calibration chose; with `means` (`Calibration.inputMeans`)
    /// every convolution's bias is corrected for its weights' rounding (`QuantizedConv.init(quantizing:inputMeans:)`).
    public convenience init(quantizing weights: ShuffleNetWeights, info: QuantizationInfo, means: InputMeans? = nil) throws(WeightsError) {
        guard weights.config.seReduction == nil else {
            throw .architecture("the int8 engine does not run squeeze-and-excitation networks (se_reduction \(weights.config.seReduction!)); serve the float model")
        }
        try info.validate(units: weights.units.count)
        self.init(config: weights.config, info: info, stem: weights.stem,
                  units: weights.units.enumerated().map { u, unit in
                      QuantizedUnit(spec: unit.spec, pointwise1: QuantizedConv(quantizing: unit.pointwise1, inputMeans: means?.pointwise1[u]),
                                    depthwise: QuantizedConv(quantizing: unit.depthwise, inputMeans: means?.depthwise[u]),
                                    pointwise2: QuantizedConv(quantizing: unit.pointwise2, inputMeans: means?.pointwise2[u]))
                  },
                  classifier: weights.classifier)
    }

    /// The float network these weights stand for (weights dequantized, activations not quantized).
    public var dequantized: ShuffleNetWeights {
        ShuffleNetWeights(config: config, stem: stem,
                          units: units.map { UnitWeights(spec: $0.spec, pointwise1: $0.pointwise1.dequantized, depthwise: $0.depthwise.dequantized,
                                                         pointwise2: $0.pointwise2.dequantized) },
                          classifier: classifier)
    }

    // MARK: The file's tensors

    /// Each int8 convolution's tensor-name prefix and (out, in per group, kernel, groups), in network order.
    static func layout(_ config: ShuffleNetConfig) -> [(prefix: String, out: Int, inPerGroup: Int, kernel: Int, groups: Int)] {
        var result: [(prefix: String, out: Int, inPerGroup: Int, kernel: Int, groups: Int)] = []
        for unit in config.units {
            let p = "features.\(unit.index)"
            result.append(("\(p).pw1", unit.mid, unit.inChannels / unit.firstPointwiseGroups, 1, unit.firstPointwiseGroups))
            result.append(("\(p).dw", unit.mid, 1, 3, unit.mid))
            result.append(("\(p).pw2", unit.branchChannels, unit.mid / unit.groups, 1, unit.groups))
        }
        return result
    }

    /// Every tensor name a quantized file of this architecture holds.
    static func tensorNames(_ config: ShuffleNetConfig) -> Set<String> {
        Set(layout(config).flatMap { ["\($0.prefix).weight", "\($0.prefix).weight_scale", "\($0.prefix).bias"] } + ["stem.weight", "stem.bias", "classifier.weight"])
    }

    /// Reads the weights of a quantized file. `int8s` and `floats` return a tensor's shape and values by name (nil: absent).
    convenience init(config: ShuffleNetConfig, info: QuantizationInfo,
                     int8s: (String) throws(WeightsError) -> (shape: [Int], values: [Int8])?,
                     floats: (String) throws(WeightsError) -> (shape: [Int], values: [Float])?) throws(WeightsError) {
        guard config.seReduction == nil else { throw .architecture("a quantized file of a squeeze-and-excitation network: the int8 engine does not run SE") }
        try info.validate(units: config.units.count)
        func float(_ name: String, _ shape: [Int]) throws(WeightsError) -> [Float] {
            guard let found = try floats(name) else { throw .missingTensor(name: name, expectedShape: shape) }
            guard found.shape == shape else { throw .unexpectedShape(name: name, expected: shape, found: found.shape) }
            if let bad = found.values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(name: name, index: bad, value: "\(found.values[bad])") }
            return found.values
        }
        var convs: [QuantizedConv] = []
        for l in Self.layout(config) {
            let shape = [l.out, l.inPerGroup, l.kernel, l.kernel]
            guard let weight = try int8s("\(l.prefix).weight") else { throw .missingTensor(name: "\(l.prefix).weight", expectedShape: shape) }
            guard weight.shape == shape else { throw .unexpectedShape(name: "\(l.prefix).weight", expected: shape, found: weight.shape) }
            if let bad = weight.values.firstIndex(of: -128) {
                throw .badMetadata(key: "\(l.prefix).weight", reason: "element \(bad) is −128; int8 weights are symmetric (−127…127)")
            }
            let scales = try float("\(l.prefix).weight_scale", [l.out])
            if let bad = scales.firstIndex(where: { !($0 > 0) }) { throw .nonFinite(name: "\(l.prefix).weight_scale", index: bad, value: "\(scales[bad]) (must be > 0)") }
            convs.append(QuantizedConv(outChannels: l.out, inPerGroup: l.inPerGroup, groups: l.groups, kernel: l.kernel, weight: weight.values,
                                       weightScale: scales, bias: try float("\(l.prefix).bias", [l.out])))
        }
        let classifier = try float("classifier.weight", [config.classes, config.widths.last ?? 0])
        let stem = ConvWeights(outChannels: config.stem, inPerGroup: 3, groups: 1, kernel: 3,
                               weight: try float("stem.weight", [config.stem, 3, 3, 3]), bias: try float("stem.bias", [config.stem]))
        let units = config.units.enumerated().map { i, spec in
            QuantizedUnit(spec: spec, pointwise1: convs[3 * i], depthwise: convs[1 + 3 * i], pointwise2: convs[2 + 3 * i])
        }
        self.init(config: config, info: info, stem: stem, units: units, classifier: classifier)
    }

    /// The tensors of a quantized model file, in network order.
    public var tensors: [Safetensors.OutputTensor] {
        let convs = units.flatMap { [$0.pointwise1, $0.depthwise, $0.pointwise2] }
        var out: [Safetensors.OutputTensor] = [.init(name: "stem.weight", shape: [config.stem, 3, 3, 3], floats: stem.weight),
                                               .init(name: "stem.bias", shape: [config.stem], floats: stem.bias)]
        for (l, conv) in zip(Self.layout(config), convs) {
            out.append(.init(name: "\(l.prefix).weight", dtype: "I8", shape: [l.out, l.inPerGroup, l.kernel, l.kernel],
                             data: conv.weight.map { UInt8(bitPattern: $0) }))
            out.append(.init(name: "\(l.prefix).weight_scale", shape: [l.out], floats: conv.weightScale))
            out.append(.init(name: "\(l.prefix).bias", shape: [l.out], floats: conv.bias))
        }
        out.append(.init(name: "classifier.weight", shape: [config.classes, config.widths.last ?? 0], floats: classifier))
        return out
    }
}
