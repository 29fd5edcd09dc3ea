import ShuffleNet

/// The JSON that /models and /models/{name} return for a model.
enum ModelDescription {
    static func json(_ model: ShuffleNetModel) -> [String: Any] {
        let config = model.config
        let cost = Complexity(config)
        let pre = model.preprocessing
        return [
            "name": model.name,
            "architecture": "shufflenet_v1",
            "groups": config.groups,
            "stem_width": config.stem,
            "stage_widths": config.widths,
            "stage_repeats": config.repeats,
            "parameters": cost.parameters,
            "mflops": (cost.mflops * 100).rounded() / 100,
            "input_size": config.inputSize,
            "num_classes": config.classes,
            "preprocessing": [
                "resize_shorter_side": pre.resizeShorterSide, "crop_size": pre.cropSize,
                "channel_order": pre.channelOrder.rawValue, "value_scale": Double(pre.valueScale),
                "mean": pre.mean.map(Double.init), "std": pre.std.map(Double.init), "interpolation": pre.interpolation,
            ] as [String: Any],
        ]
    }

    /// The model's width label for metrics: "120/240/480".
    static func widthLabel(_ model: ShuffleNetModel) -> String {
        model.config.widths.map(String.init).joined(separator: "/")
    }
}
