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
                      inputs: [input(served.model), image], outputs: outputs(served.model))
    }
}
