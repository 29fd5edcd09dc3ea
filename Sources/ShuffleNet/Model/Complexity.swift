/// Cost of a network, counted as the ShuffleNet paper counts it: multiply-adds of the convolutions and
/// the classifier (pooling, BN, ReLU, additions and the shuffle are free). A squeeze-and-excitation block's two
/// 1×1 convolutions run on the pooled C values: 2·C·m multiply-adds (the mean and the scaling are free).
public struct Complexity: Sendable, Equatable {
    public let parameters: Int   // learned weights after BN folding is undone: conv + BN (γ, β) + classifier
    public let multiplyAdds: Int // per image

    public var mflops: Double { Double(multiplyAdds) / 1e6 }

    public init(_ config: ShuffleNetConfig) {
        var macs = 0, params = 0
        var side = ShuffleNetConfig.halved(config.inputSize) // after the stem conv
        macs += side * side * config.stem * 3 * 9
        params += config.stem * 27 + 2 * config.stem
        side = ShuffleNetConfig.halved(side) // after the maxpool
        for unit in config.units {
            let outSide = unit.stride == 2 ? ShuffleNetConfig.halved(side) : side
            let pw1 = unit.mid * (unit.inChannels / unit.firstPointwiseGroups)
            let dw = unit.mid * 9
            let pw2 = unit.branchChannels * (unit.mid / unit.groups)
            macs += side * side * pw1 + outSide * outSide * (dw + pw2)
            params += pw1 + dw + pw2 + 2 * (unit.mid + unit.mid + unit.branchChannels)
            let se = 2 * unit.branchChannels * unit.seChannels  // 0 without SE
            macs += se
            params += unit.seReduction == nil ? 0 : se + unit.seChannels + unit.branchChannels
            side = outSide
        }
        let last = config.widths.last ?? 0
        macs += last * config.classes
        params += last * config.classes
        self.parameters = params
        self.multiplyAdds = macs
    }
}
