import HTTP
import OpenInference
import ShuffleNet

/// What the Open Inference Protocol says about one of our models: its tensors, version and platform.
enum ModelTensors {
    /// Our models have one version; the route's optional `/versions/{v}` must name it.
    static let version = "1"
    /// "<project>_<format>", as the protocol's platform names are formed.
    static let platform = "shufflenet_safetensors"

    /// FP32 [-1, 3, S, S]: images already preprocessed as the model's metadata says.
    static func input(_ model: ShuffleNetModel) -> TensorMetadata {
        let side = model.config.inputSize
        return TensorMetadata(name: "input", datatype: .fp32, shape: [-1, 3, side, side])
    }

    /// BYTES [-1]: encoded image files, decoded and preprocessed as /classify does.
    static let image = TensorMetadata(name: "image", datatype: .bytes, shape: [-1])

    static func outputs(_ model: ShuffleNetModel) -> [TensorMetadata] {
        ["logits", "probabilities"].map { TensorMetadata(name: $0, datatype: .fp32, shape: [-1, model.config.classes]) }
    }

    static func metadata(_ served: ServedModel) -> ModelMetadata {
        ModelMetadata(name: served.name, versions: [version], platform: platform,
                      inputs: [input(served.model), image], outputs: outputs(served.model), parameters: parameters(served.model))
    }

    /// The architecture as protocol parameters (whose values are booleans, numbers or strings, so lists are
    /// comma-separated text): groups, widths, stage repeats (a shallow network's [2, 4, 2]) and, for a network
    /// with squeeze-and-excitation, its reduction r; the precision ("int8" for a quantized file, else "float32").
    static func parameters(_ model: ShuffleNetModel) -> [(key: String, value: JSONValue)] {
        let config = model.config
        func list(_ values: [Int]) -> JSONValue { .string(values.map(String.init).joined(separator: ",")) }
        var result: [(key: String, value: JSONValue)] = [
            ("architecture", "shufflenet_v1"), ("groups", .integer(config.groups)), ("stem_width", .integer(config.stem)),
            ("stage_widths", list(config.widths)), ("stage_repeats", list(config.repeats)),
            ("precision", .string(model.quantized == nil ? "float32" : "int8")),
        ]
        if let r = config.seReduction { result.append(("se_reduction", .integer(r))) }
        return result
    }

    /// Each class's name for classification strings: its label, or "class <i>" for a model without labels
    /// (as /classify names them).
    static func classNames(_ model: ShuffleNetModel) -> [String] {
        model.labels.isEmpty ? (0..<model.config.classes).map { "class \($0)" } : model.labels.map(\.name)
    }
}
