/// The sizes of a session's buffers and which units run row-planar, worked out once from the architecture, the
/// input size, the layout choice and the number of thread slots (what each buffer holds: `InferenceSession`).
///
/// Every unit's activations fit the same buffers: `act` is the largest unit input or output, `mid1` the largest
/// first 1×1 output and `mid2` the largest depthwise output, each in the layout the unit runs in (a row-planar
/// row holds Wp ≥ W + 1 floats per channel: `KernelSet.paddedWidth`).
struct BufferPlan {
    /// Stem output side (S/2) and max-pool output side (S/4) for an S-pixel input.
    let stemSide: Int, poolSide: Int
    /// Per unit of `network.units`: whether it runs row-planar (stride-1 units only).
    let planarUnits: [Bool]
    /// Per unit: whether it leaves its output row-planar: a planar unit, or a stride-2 unit before one (it writes
    /// its second 1×1 convolution and shortcut straight into the planar layout; see `runIntoPlanar`).
    let planarOutputs: [Bool]
    /// Floats from one slice to the next: from image to image for `input`, from thread slot to slot for the others.
    /// Each slice is followed by 16 floats of its own: the kernels' vector loads may read up to 15 floats past a
    /// row's last channel (lanes they never store), and with whole images per thread that must not reach into
    /// another thread's slot while that thread writes it.
    /// `se`: a unit's squeeze-and-excitation scratch (`SqueezeStep`; 0 without SE).
    let sliceStride: (input: Int, stem: Int, act: Int, t1: Int, t2: Int, se: Int)
    /// Floats in `zeros`: the widest zero row a depthwise kernel reads above or below the image, and a zero bias
    /// for the later K blocks of a 1×1 convolution (`InferenceSession.kBlock`), plus 16 floats of slack.
    let zeroCount: Int

    /// - Parameter planar: whether units that `prefersPlanar` picks run row-planar.
    init(network: PackedNetwork, side: Int, planar: Bool) {
        let config = network.config
        stemSide = KernelSet.outputSide(side, stride: 2)
        poolSide = KernelSet.outputSide(stemSide, stride: 2)
        var act = poolSide * poolSide * config.stem, mid1 = 0, mid2 = 0, zeroRow = 0
        var h = poolSide
        var planarUnits = [Bool]()
        for (unit, packed) in zip(config.units, network.units) {
            let out = KernelSet.outputSide(h, stride: unit.stride)
            let isPlanar = planar && Self.prefersPlanar(packed, side: h)
            planarUnits.append(isPlanar)
            let width = isPlanar ? KernelSet.paddedWidth(h) : h
            mid1 = max(mid1, h * width * unit.mid)
            mid2 = max(mid2, out * (isPlanar ? width : out) * unit.mid)
            act = max(act, out * out * unit.outChannels, h * width * unit.inChannels, h * width * unit.outChannels)
            zeroRow = max(zeroRow, h * unit.mid, width * unit.mid + 32, unit.outChannels + 32)  // also a zero bias (kBlock)
            h = out
        }
        self.planarUnits = planarUnits
        let planarOutputs = planarUnits.indices.map { u in
            planarUnits[u] || (config.units[u].stride == 2 && u + 1 < planarUnits.count && planarUnits[u + 1])
        }
        self.planarOutputs = planarOutputs
        // A stride-2 unit writing planar output keeps its pooled shortcut and its planar depthwise output in t1.
        h = poolSide
        for (u, unit) in config.units.enumerated() {
            let out = KernelSet.outputSide(h, stride: unit.stride)
            if planarOutputs[u] { mid1 = max(mid1, out * KernelSet.paddedWidth(out) * unit.mid, out * out * unit.inChannels) }
            h = out
        }
        func padded(_ count: Int) -> Int { (count + 16 + 15) / 16 * 16 }
        let se = network.units.map { unit in unit.se.map { SqueezeStep.scratchCount(mid: unit.spec.mid, $0, unit.pointwise2) } ?? 0 }.max() ?? 0
        sliceStride = (padded(side * side * 3), padded(stemSide * stemSide * config.stem), padded(act), padded(mid1), padded(mid2), padded(se))
        zeroCount = zeroRow + 16
    }

    /// Whether `unit` (at `side` pixels per side) runs row-planar: a stride-1 unit whose compress convolution
    /// has fewer than 16 outputs per group (NHWC would leave lanes of every vector idle), on images at least
    /// 12 pixels wide (a 7-pixel row would fill 7 of 16 lanes instead). Units with squeeze-and-excitation stay
    /// NHWC: the block is implemented for NHWC only (a network has SE on every unit or none, so an SE network
    /// runs NHWC throughout, and no stride-2 unit ever writes planar output for an SE unit).
    static func prefersPlanar(_ unit: PackedNetwork.Unit, side: Int) -> Bool {
        unit.spec.stride == 1 && side >= 12 && unit.pointwise1.m < 16 && unit.se == nil
    }
}
