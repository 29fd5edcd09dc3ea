/// The cost of a Megvii ShuffleNet v1, counted by hand from the network's description (../shared/README.md,
/// "The checkpoints' unit, exactly") — written apart from the engine's `Complexity` so tests that check the
/// figures the service and the CLI print do not compare the code with itself.
public struct PaperArithmetic {
    public let multiplyAdds: Int
    public let parameters: Int   // conv weights + BN γ, β per conv output + the classifier (no bias)

    public var mflops: Double { Double(multiplyAdds) / 1e6 }

    /// - Parameters: `stem` output channels, stage `widths`, stage `repeats`, `groups`, `classes`, input `side`.
    public init(stem: Int, widths: [Int], repeats: [Int], groups g: Int, classes: Int, side input: Int) {
        func half(_ n: Int) -> Int { (n + 1) / 2 }   // 3×3, stride 2, padding 1
        var macs = 0, params = 0
        var side = half(input)                          // stem conv 3×3/2: 3 → stem
        macs += side * side * stem * 3 * 3 * 3
        params += stem * 3 * 3 * 3 + 2 * stem
        side = half(side)                               // max pool 3×3/2
        var channels = stem
        for (stage, width) in widths.enumerated() {
            for unit in 0..<repeats[stage] {
                let stride2 = unit == 0
                let mid = width / 4
                let firstGroups = stage == 0 && unit == 0 ? 1 : g
                let branch = stride2 ? width - channels : width
                let out = stride2 ? half(side) : side
                macs += side * side * mid * (channels / firstGroups)   // 1×1 grouped compress, at the input size
                macs += out * out * mid * 9                            // 3×3 depthwise
                macs += out * out * branch * (mid / g)                 // 1×1 grouped expand
                params += mid * (channels / firstGroups) + mid * 9 + branch * (mid / g) + 2 * (mid + mid + branch)
                channels = width
                side = out
            }
        }
        macs += channels * classes                      // global average pool is free; the classifier is not
        params += channels * classes
        multiplyAdds = macs
        parameters = params
    }
}
