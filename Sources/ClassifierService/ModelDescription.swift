import HTTP
import ShuffleNet

/// The JSON that /models and /models/{name} return for a model.
enum ModelDescription {
    /// Keys in alphabetical order.
    static func json(_ model: ShuffleNetModel) -> JSONValue {
        let config = model.config
        let cost = Complexity(config)
        let pre = model.preprocessing
        func integers(_ values: [Int]) -> JSONValue { .array(values.map { .integer($0) }) }
        func numbers(_ values: [Float]) -> JSONValue { .array(values.map { .number(Double($0)) }) }
        return [
            "architecture": "shufflenet_v1",
            "groups": .integer(config.groups),
            "input_size": .integer(config.inputSize),
            "mflops": .number((cost.mflops * 100).rounded() / 100),
            "name": .string(model.name),
            "num_classes": .integer(config.classes),
            "parameters": .integer(cost.parameters),
            // "int8" for a quantized file (`shufflenet quantize`), run by the int8 engine; else "float32".
            "precision": .string(model.quantized == nil ? "float32" : "int8"),
            "preprocessing": [
                "channel_order": .string(pre.channelOrder.rawValue), "crop_size": .integer(pre.cropSize),
                "interpolation": .string(pre.interpolation), "mean": numbers(pre.mean),
                "resize_shorter_side": .integer(pre.resizeShorterSide), "std": numbers(pre.std), "value_scale": .number(Double(pre.valueScale)),
            ],
            // Squeeze-and-excitation reduction r of every unit (null: no SE blocks).
            // How a quantized model's activation ranges were calibrated (null: a float model).
            "quantization": model.quantized.map { q in ["calibration_images": .integer(q.info.calibrationImages), "method": .string(q.info.method)] } ?? .null,
            "se_reduction": config.seReduction.map { .integer($0) } ?? .null,
            "stage_repeats": integers(config.repeats),
            "stage_widths": integers(config.widths),
            "stem_width": .integer(config.stem),
        ]
    }

    /// The model's width label for metrics: "120/240/480".
    static func widthLabel(_ model: ShuffleNetModel) -> String {
        model.config.widths.map(String.init).joined(separator: "/")
    }
}
