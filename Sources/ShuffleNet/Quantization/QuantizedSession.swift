import CInt8Kernels
import KernelInterface

/// One worker's int8 inference state over a shared `QuantizedNetwork`: every buffer sized once, `forward`
/// allocates nothing. Images arrive as floats (the same input slots as the float engine); the stem is float and its
/// output is quantized; every activation after that is uint8 NHWC; the global pool and the classifier are float.
///
/// Per image: float stem (im2col bands of `stemBand` output rows + the float GEMM, K = 27) quantized → max pool → units
/// (grouped 1×1 GEMM → depthwise 3×3 writing the shuffled order → grouped 1×1 GEMM with the residual or after the
/// average-pooled shortcut) → channel sums. Then the classifier over the batch's pooled rows.
/// With `threads` > 1 a batch of at least `threads` images is spread over the threads whole images at a time;
/// smaller batches run on the calling thread.
public final class QuantizedSession: ForwardPass, @unchecked Sendable {
    // Owned by one caller at a time; helper threads only touch their own slot and images.
    public let network: QuantizedNetwork
    public let maxBatch: Int
    public let threads: Int
    public let kernels: Int8Kernels
    let floatKernels: any KernelCopy.Type        // the classifier's float GEMM
    public var config: ShuffleNetConfig { network.config }
    public var inputSide: Int { side }
    /// Called after the max pool (index −1) and after each unit (its index) with that output (NHWC uint8) when set:
    /// for tests that compare every unit with `QuantizedReference`. Not for batches spread over threads.
    public var unitObserver: ((Int, UnsafeBufferPointer<UInt8>) -> Void)?

    static let stemBand = 4                      // output rows per im2col band: 4 × 112 × 27 floats stay in L2
    let side: Int
    let actBytes: Int, midBytes: Int              // largest unit activation and first-1×1/depthwise output, per slot
    // Buffers (each with 64 bytes of slack):
    let input: FloatBuffer                       // [B][S][S][3] floats, NHWC, preprocessed
    let patches: FloatBuffer                     // [slots][stemBand·S/2][27] the stem's im2col band
    let stemBandOut: FloatBuffer                 // [slots][stemBand·S/2][stem] its float output
    let stemOut: AlignedBuffer<UInt8>            // [slots][S/2·S/2·stem]
    let x: AlignedBuffer<UInt8>, y: AlignedBuffer<UInt8>  // [slots][actBytes] a unit's input and output (they swap)
    let t1: AlignedBuffer<UInt8>, t2: AlignedBuffer<UInt8> // [slots][midBytes] first 1×1 output, depthwise output (shuffled)
    let sums: AlignedBuffer<Int32>               // [slots][C_last]
    let pooled: FloatBuffer                      // [B][C_last]
    let logits: FloatBuffer                      // [B][classes]
    private var team: SpinTeam<Int>?             // step = batch size (0: idle)

    public init(network: QuantizedNetwork, maxBatch: Int = 1, inputSize: Int? = nil, threads: Int = 1,
                kernels: Int8Kernels = .best, floatKernels: KernelSet = .best) {
        precondition(kernels.isSupported && floatKernels.isSupported, "kernels this CPU cannot run")
        self.network = network
        self.maxBatch = max(1, maxBatch)
        self.threads = max(1, threads)
        self.kernels = kernels
        self.floatKernels = floatKernels.kernels
        side = inputSize ?? network.config.inputSize
        let config = network.config
        let stemSide = KernelSet.outputSide(side, stride: 2)
        var h = KernelSet.outputSide(stemSide, stride: 2)
        var act = h * h * config.stem, mid = 0
        for unit in config.units {
            mid = max(mid, h * h * unit.mid)
            h = KernelSet.outputSide(h, stride: unit.stride)
            act = max(act, h * h * unit.outChannels)
        }
        actBytes = act
        midBytes = mid
        let slots = min(self.threads, self.maxBatch)
        input = FloatBuffer(count: self.maxBatch * side * side * 3)
        patches = FloatBuffer(count: slots * Self.stemBand * stemSide * 27)
        stemBandOut = FloatBuffer(count: slots * Self.stemBand * stemSide * config.stem)
        stemOut = AlignedBuffer(count: slots * stemSide * stemSide * config.stem)
        x = AlignedBuffer(count: slots * act)
        y = AlignedBuffer(count: slots * act)
        t1 = AlignedBuffer(count: slots * mid)
        t2 = AlignedBuffer(count: slots * mid)
        let width = config.widths.last ?? 0
        sums = AlignedBuffer(count: slots * width)
        pooled = FloatBuffer(count: self.maxBatch * width)
        logits = FloatBuffer(count: self.maxBatch * config.classes)
        if self.threads > 1 && self.maxBatch > 1 {
            team = SpinTeam(size: slots, idle: 0) { [unowned self] batch, part, parts in
                guard batch > 0 else { return }
                for i in stride(from: part, to: batch, by: parts) { self.runImage(i, slot: part) }
            }
        }
    }

    deinit {
        team?.stop()
        [input, patches, stemBandOut, pooled, logits].forEach { $0.free() }
        [stemOut, x, y, t1, t2].forEach { $0.free() }
        sums.free()
    }

    public func inputBuffer(image i: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: input.pointer + i * side * side * 3, count: side * side * 3)
    }

    @discardableResult
    public func forward(batch: Int) -> UnsafeBufferPointer<Float> {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        if let team, batch >= team.size {
            team.run(batch)
        } else {
            for i in 0..<batch { runImage(i, slot: 0) }
        }
        let width = config.widths.last ?? 0, classes = config.classes
        floatKernels.pointwise(N: batch, M: classes, K: width, A: pooled.pointer, lda: width, aStep: 1, W: network.classifier.pointer,
                               C: logits.pointer, ldc: classes, bias: network.classifierBias.pointer, relu: false, residual: nil, ldr: 0,
                               packedK: nil)
        return UnsafeBufferPointer(start: logits.pointer, count: batch * classes)
    }

    /// Image `i` from its float input to its pooled features, in activation slot `slot`.
    func runImage(_ i: Int, slot: Int) {
        let isa = kernels.isa, config = network.config
        // Stem (float): im2col a band of output rows at a time, the GEMM over it, its ReLU output quantized.
        let stemSide = KernelSet.outputSide(side, stride: 2), stem = network.stem, channels = config.stem
        let stemOutput = stemOut.pointer + slot * stemSide * stemSide * channels
        let band = patches.pointer + slot * Self.stemBand * stemSide * 27
        let bandOut = stemBandOut.pointer + slot * Self.stemBand * stemSide * channels
        var row = 0
        while row < stemSide {
            let end = min(stemSide, row + Self.stemBand), n = (end - row) * stemSide
            floatKernels.stemPatches(H: side, W: side, input: input.pointer + i * side * side * 3, rows: band, outputRows: row..<end)
            floatKernels.pointwise(N: n, M: channels, K: 27, A: band, lda: 27, aStep: 1, W: stem.weight.pointer, C: bandOut, ldc: channels,
                                   bias: stem.bias.pointer, relu: true, residual: nil, ldr: 0, packedK: nil)
            sn_int8_quantize(isa, bandOut, n * channels, network.stemInverseScale, 0, stemOutput + row * stemSide * channels)
            row = end
        }
        var h = KernelSet.outputSide(stemSide, stride: 2)
        var current = x.pointer + slot * actBytes, next = y.pointer + slot * actBytes
        sn_int8_maxpool(isa, stemSide, stemSide, config.stem, stemOutput, current, 0, h)
        unitObserver?(-1, UnsafeBufferPointer(start: current, count: h * h * config.stem))
        let mid = t1.pointer + slot * midBytes, depthwise = t2.pointer + slot * midBytes
        for (u, unit) in network.units.enumerated() {
            let spec = unit.spec, out = KernelSet.outputSide(h, stride: spec.stride)
            let pw1 = unit.pointwise1, pw2 = unit.pointwise2
            for gi in 0..<pw1.groups {
                gemm(pw1, group: gi, N: h * h, A: current + gi * pw1.k, lda: spec.inChannels, C: mid + gi * pw1.m, ldc: spec.mid)
            }
            sn_int8_depthwise(isa, h, h, spec.mid, spec.stride, mid, unit.depthwise.pointer, unit.depthwiseScale.pointer,
                              unit.depthwiseOffset.pointer, 0, unit.shuffle?.pointer, depthwise, 0, out)
            let first = spec.stride == 1 ? 0 : spec.inChannels
            if spec.stride == 2 {
                sn_int8_avgpool(isa, h, h, spec.inChannels, current, unit.averageScale, next, spec.outChannels, 0, out)
            }
            for gi in 0..<pw2.groups {
                gemm(pw2, group: gi, N: out * out, A: depthwise + gi * pw2.k, lda: spec.mid, C: next + first + gi * pw2.m, ldc: spec.outChannels,
                     residual: spec.stride == 1 ? UnsafePointer(current + gi * pw2.m) : nil, ldr: spec.inChannels, residualScale: unit.residualScale)
            }
            swap(&current, &next)
            h = out
            unitObserver?(u, UnsafeBufferPointer(start: current, count: h * h * spec.outChannels))
        }
        let width = config.widths.last ?? 0
        let slotSums = sums.pointer + slot * width
        sn_int8_channel_sums(isa, h * h, width, current, slotSums)
        let factor = Float(Double(network.outputScale) / Double(h * h))
        for c in 0..<width { pooled.pointer[i * width + c] = Float(slotSums[c]) * factor }
    }

    /// One group of a packed 1×1 convolution over N pixel rows, with its requantization.
    private func gemm(_ g: QuantizedNetwork.Gemm, group gi: Int, N: Int, A: UnsafePointer<UInt8>, lda: Int, C: UnsafeMutablePointer<UInt8>, ldc: Int,
                      residual: UnsafePointer<UInt8>? = nil, ldr: Int = 0, residualScale: Float = 0) {
        var epilogue = sn_int8_epilogue(scale: g.scale.pointer + gi * g.m, offset: g.offset.pointer + gi * g.m,
                                        correction: g.correction.map { UnsafePointer($0.pointer + gi * g.m) }, residual: residual, ldr: ldr,
                                        residualScale: residualScale, lo: g.lo)
        sn_int8_gemm(kernels.isa, N, g.m, g.k, A, lda, g.weight.pointer + gi * g.packedBytes, C, ldc, &epilogue)
    }
}
