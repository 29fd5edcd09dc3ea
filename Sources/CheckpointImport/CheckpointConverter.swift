import Foundation
import ShuffleNet

/// `shufflenet convert`: any supported checkpoint → one self-describing safetensors model file.
public enum CheckpointConverter {
    public enum SourceFormat: String, Sendable { case torchLegacy = "PyTorch legacy", torchZip = "PyTorch zip", safetensors }

    /// Recognises the container by its first bytes; the message says what was found otherwise.
    public static func detect(_ bytes: UnsafeRawBufferPointer) throws(WeightsError) -> SourceFormat {
        if TorchCheckpoint.isZip(bytes) { return .torchZip }
        if TorchCheckpoint.isLegacy(bytes) { return .torchLegacy }
        if bytes.count >= 9, bytes[8] == UInt8(ascii: "{") { return .safetensors }
        guard !bytes.isEmpty else { throw .checkpoint("the file is empty") }
        let head = bytes.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw .checkpoint("unrecognised format (first bytes \(head)): expected a PyTorch checkpoint (legacy or zip) or safetensors")
    }

    /// Reads the state dict of any supported container, `module.` prefixes stripped.
    public static func readStateDict(_ bytes: UnsafeRawBufferPointer) throws(WeightsError) -> [CheckpointTensor] {
        let tensors: [CheckpointTensor]
        switch try detect(bytes) {
        case .torchZip: tensors = try TorchCheckpoint.readZip(bytes)
        case .torchLegacy: tensors = try TorchCheckpoint.readLegacy(bytes)
        case .safetensors:
            let header = try Safetensors.parseHeader(bytes)
            tensors = try header.names.map { (name) throws(WeightsError) in
                let entry = header.entries[name]!
                guard let dtype = TensorDType(rawValue: entry.dtype) else { throw .unsupportedDType(name: name, dtype: entry.dtype) }
                return CheckpointTensor(name: name, dtype: dtype, shape: entry.shape, data: Array(bytes[entry.byteRange]))
            }
        }
        return tensors.map { CheckpointTensor(name: ShuffleNetModel.stripModulePrefix($0.name), dtype: $0.dtype, shape: $0.shape, data: $0.data) }
    }

    /// Converts a checkpoint to model-file bytes. The architecture is inferred from shapes (a safetensors
    /// source's `arch` metadata names the SE reduction when its shapes agree) and the whole network is validated
    /// (every tensor present, right shape, finite; no tensor the architecture does not use) before anything is
    /// written.
    public static func convert(_ bytes: UnsafeRawBufferPointer, name: String, labels: [ClassLabel],
                               preprocessing: Preprocessing = .megvii) throws(WeightsError) -> [UInt8] {
        let tensors = try readStateDict(bytes)
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let shapes = byName.mapValues(\.shape)
        var config = try StateDictLayout.inferConfig(shapes: shapes)
        config.inputSize = preprocessing.cropSize
        if let stated = try statedSEReduction(bytes), stated > 0, config.seReduction != nil,
           config.units.allSatisfy({ $0.branchChannels / stated == $0.seChannels }) {
            config.seReduction = stated  // the same network; the file then states the author's r
        }
        // The architecture is judged before anything is derived from it.
        do { try config.validate() } catch { throw .architecture(error.description) }
        try StateDictLayout.checkNames(Set(byName.keys), config: config)
        // Validation by construction: the same code path that loads model files must accept these tensors.
        let weights = try ShuffleNetWeights(config: config) { (tensorName) throws(WeightsError) in
            guard let t = byName[tensorName] else { return nil }
            guard let values = t.floats else { throw .unsupportedDType(name: tensorName, dtype: t.dtype.rawValue) }
            return (t.shape, values)
        }
        _ = try ShuffleNetModel(name: name, weights: weights, preprocessing: preprocessing, labels: labels)

        // Write the raw (unfolded) state dict so PyTorch users can load it back; floats become F32.
        let expected = StateDictLayout.expectedShapes(config).map(\.name)
        let extras = tensors.map(\.name).filter { $0.hasSuffix("num_batches_tracked") }.sorted()
        let output: [Safetensors.OutputTensor] = (expected + extras).compactMap { tensorName in
            guard let t = byName[tensorName] else { return nil }
            if let values = t.floats { return Safetensors.OutputTensor(name: tensorName, shape: t.shape, floats: values) }
            return Safetensors.OutputTensor(name: tensorName, dtype: t.dtype.rawValue, shape: t.shape, data: t.data)
        }
        let metadata = ShuffleNetModel.metadata(name: name, config: config, preprocessing: preprocessing, labels: labels)
        return Safetensors.serialize(output, metadata: metadata)
    }

    /// The `se_reduction` in a safetensors source's `__metadata__.arch`, if it states one.
    static func statedSEReduction(_ bytes: UnsafeRawBufferPointer) throws(WeightsError) -> Int? {
        guard try detect(bytes) == .safetensors, let arch = try Safetensors.parseHeader(bytes).metadata[ShuffleNetModel.MetadataKey.arch],
              let object = try? JSONSerialization.jsonObject(with: Data(arch.utf8)) as? [String: Any] else { return nil }
        return (object["se_reduction"] as? NSNumber)?.intValue
    }
}
