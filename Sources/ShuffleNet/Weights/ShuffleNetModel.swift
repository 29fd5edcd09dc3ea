import Foundation

/// A complete model: architecture, folded weights, preprocessing and class labels — what one
/// `.safetensors` model file holds. Immutable and shared.
public final class ShuffleNetModel: Sendable {
    public let name: String
    public let weights: ShuffleNetWeights
    public let preprocessing: Preprocessing
    public let labels: [ClassLabel]   // empty, or exactly `config.classes` entries
    /// The int8 weights and activation quantization of a quantized file (`shufflenet quantize`), which runs on
    /// the int8 engine; nil for a float model. `weights` then holds the dequantized float weights.
    public let quantized: QuantizedWeights?
    public var config: ShuffleNetConfig { weights.config }

    /// Metadata keys in `__metadata__` (all values are JSON text, as safetensors metadata must be strings).
    public enum MetadataKey {
        public static let format = "format"              // "shufflenet-v1"
        public static let name = "name"
        public static let arch = "arch"                  // ShuffleNetConfig as JSON
        public static let preprocessing = "preprocessing" // Preprocessing as JSON
        public static let labels = "labels"              // [{"synset":…, "name":…}]
        public static let quantization = "quantization"  // QuantizationInfo as JSON: present only in int8 files
    }

    public init(name: String, weights: ShuffleNetWeights, preprocessing: Preprocessing, labels: [ClassLabel],
                quantized: QuantizedWeights? = nil) throws(WeightsError) {
        guard labels.isEmpty || labels.count == weights.config.classes else {
            throw .badMetadata(key: MetadataKey.labels, reason: "\(labels.count) labels for \(weights.config.classes) classes")
        }
        try preprocessing.validate()
        guard preprocessing.cropSize == weights.config.inputSize else {
            throw .badMetadata(key: MetadataKey.preprocessing, reason: "crop_size \(preprocessing.cropSize) differs from the architecture's input size \(weights.config.inputSize)")
        }
        self.name = name
        self.weights = weights
        self.preprocessing = preprocessing
        self.labels = labels
        self.quantized = quantized
    }

    /// Loads a model file from disk (memory-mapped); `fallbackName` names models whose metadata has none.
    public static func load(path: String) throws(WeightsError) -> ShuffleNetModel {
        let file = try MappedFile(path: path)
        let fallback = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(file.bytes, fallbackName: fallback)
    }

    /// Parses and validates a safetensors model held in memory. Without `arch` metadata the architecture
    /// is inferred from the tensor shapes; without preprocessing metadata the Megvii recipe is assumed.
    public static func parse(_ bytes: UnsafeRawBufferPointer, fallbackName: String = "model") throws(WeightsError) -> ShuffleNetModel {
        let header = try Safetensors.parseHeader(bytes)
        let entries = Dictionary(header.entries.map { (stripModulePrefix($0.key), $0.value) }, uniquingKeysWith: { a, _ in a })
        let meta = header.metadata

        let config: ShuffleNetConfig
        if let arch = meta[MetadataKey.arch] {
            config = try decodeJSON(ShuffleNetConfig.self, arch, key: MetadataKey.arch)
        } else {
            config = try StateDictLayout.inferConfig(shapes: entries.mapValues(\.shape))
        }
        let preprocessing = try meta[MetadataKey.preprocessing].map { (text) throws(WeightsError) in
            try decodeJSON(Preprocessing.self, text, key: MetadataKey.preprocessing)
        } ?? Preprocessing(cropSize: config.inputSize)
        let labels = try meta[MetadataKey.labels].map { (text) throws(WeightsError) in
            try decodeJSON([ClassLabel].self, text, key: MetadataKey.labels)
        } ?? []

        // The architecture is judged before anything is derived from it (a groups of 0 would divide by zero).
        do { try config.validate() } catch { throw .architecture(error.description) }
        if let text = meta[MetadataKey.quantization] {
            let info = try decodeJSON(QuantizationInfo.self, text, key: MetadataKey.quantization)
            let expected = QuantizedWeights.tensorNames(config)
            let unknown = Set(entries.keys).subtracting(expected).sorted(), missing = expected.subtracting(entries.keys).sorted()
            guard unknown.isEmpty, missing.isEmpty else {
                throw .checkpoint("a quantized file of \(config) " + (unknown.isEmpty ? "" : "holds tensors it does not use: \(unknown.prefix(8).joined(separator: ", "))")
                                  + (unknown.isEmpty || missing.isEmpty ? "" : "; ") + (missing.isEmpty ? "" : "lacks \(missing.prefix(8).joined(separator: ", "))"))
            }
            let quantized = try QuantizedWeights(config: config, info: info,
                int8s: { (name) throws(WeightsError) in
                    guard let entry = entries[name] else { return nil }
                    return (entry.shape, try Safetensors.int8s(entry, in: bytes))
                },
                floats: { (name) throws(WeightsError) in
                    guard let entry = entries[name] else { return nil }
                    return (entry.shape, try Safetensors.floats(entry, in: bytes))
                })
            return try ShuffleNetModel(name: meta[MetadataKey.name] ?? fallbackName, weights: quantized.dequantized,
                                       preprocessing: preprocessing, labels: labels, quantized: quantized)
        }
        // A tensor the architecture does not use (say SE blocks under an `arch` without se_reduction) is refused,
        // not dropped: the network would compute something else.
        try StateDictLayout.checkNames(Set(entries.keys), config: config, missing: false)
        let weights = try ShuffleNetWeights(config: config) { (name) throws(WeightsError) in
            guard let entry = entries[name] else { return nil }
            return (entry.shape, try Safetensors.floats(entry, in: bytes))
        }
        return try ShuffleNetModel(name: meta[MetadataKey.name] ?? fallbackName, weights: weights, preprocessing: preprocessing, labels: labels)
    }

    /// The metadata block a model file carries.
    public static func metadata(name: String, config: ShuffleNetConfig, preprocessing: Preprocessing, labels: [ClassLabel],
                                quantization: QuantizationInfo? = nil) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json<T: Encodable>(_ value: T) -> String { String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self) }
        var meta = [MetadataKey.format: "shufflenet-v1", MetadataKey.name: name,
                    MetadataKey.arch: json(config), MetadataKey.preprocessing: json(preprocessing)]
        if !labels.isEmpty { meta[MetadataKey.labels] = json(labels) }
        if let quantization { meta[MetadataKey.quantization] = json(quantization) }
        return meta
    }

    /// A state-dict name without the `module.` prefix `nn.DataParallel` adds (package: CheckpointImport strips it too).
    package static func stripModulePrefix(_ name: String) -> String {
        name.hasPrefix("module.") ? String(name.dropFirst("module.".count)) : name
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, key: String) throws(WeightsError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw .badMetadata(key: key, reason: "not valid JSON for this field (\(error))")
        }
    }
}
