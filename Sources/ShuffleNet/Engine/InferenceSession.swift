import KernelInterface
import MonotonicClock

/// One worker's inference state: every activation buffer, sized once from the architecture, the input size and
/// the largest batch (`BufferPlan`), over weights shared with other sessions. `forward` allocates nothing.
///
/// The input, pooled features and logits have a slice per image of the batch; the other activations have a slice
/// per *slot*, one for each thread that runs whole images (slots = min(threads, maxBatch)): a thread reuses its
/// slot for each of its images, which stay hot in L2. Shapes below: S = input side, B = maxBatch.
///
/// Stride-1 units whose groups are narrow (fewer than 16 bottleneck channels per group: 0.5× g8's stages 2 and 3,
/// 0.5× g3's stage 2) run in the row-planar layout instead (`RowPlanarLayout`: pixels along the vector), so
/// that a 6-channel group's 1×1 convolution uses all 16 lanes; the activations are converted on the way
/// into the first such unit of a run and back after the last.
///
/// With `threads` > 1 a batch of at least `threads` images is spread over the threads whole images at a
/// time; a smaller batch runs image by image with every layer split across the threads by output rows.
/// The layers themselves: `runStem` and `runHead` (StemAndHead.swift), `runChannelsLast`, `runRowPlanar` and
/// `runIntoPlanar` (one file each), each a few `EngineStep`s that `execute` hands to the kernels.
public final class InferenceSession: @unchecked Sendable {
    // Owned by one caller at a time; its helper threads only touch the rows or images they are given.
    public let network: PackedNetwork
    public let maxBatch: Int
    public let threads: Int
    /// The compiled copy of the SIMD kernels this session runs (AVX-512 or the baseline build).
    public let kernels: KernelSet
    /// `kernels`' methods (one call per layer, or per thread's share of one).
    let kernelCopy: any KernelCopy.Type
    public var config: ShuffleNetConfig { network.config }
    public var inputSide: Int { side }
    /// Per unit of `network.units`: whether it runs row-planar (stride-1 units only).
    public var planarUnits: [Bool] { plan.planarUnits }

    let side: Int                       // S, input pixels per side
    let plan: BufferPlan
    // The buffers (floats; each slice followed by 16 floats of slack, `BufferPlan.sliceStride`):
    let input: FloatBuffer              // [B][S][S][3], NHWC, preprocessed images
    let patches: [FloatBuffer]          // per thread: [stemBand][S/2][27], a band of the stem's im2col rows
    let stemOut: FloatBuffer            // [slots][S/2][S/2][stem], NHWC, the stem convolution's output
    let x: FloatBuffer, y: FloatBuffer  // [slots][act]: a unit's input and output, NHWC or row-planar (the two
                                        // swap after a unit that writes the other one, or a layout conversion)
    let t1: FloatBuffer                 // [16 zeros][slots][mid1]: the first 1×1 convolution's output; the planar
                                        // depthwise kernel reads the lane before a row, hence the leading zeros
    let t1Start: UnsafeMutablePointer<Float>  // t1 past its 16 leading zeros
    let t2: FloatBuffer                 // [slots][mid2]: the depthwise convolution's output
    let zeros: FloatBuffer              // [zeroCount], all zero: padding rows and a zero bias (`BufferPlan`)
    let seScratch: FloatBuffer          // [slots][se]: squeeze-and-excitation means, hidden values and scales
    let pooled: FloatBuffer             // [B][C_last]: the global average pool of each image
    let logitsBuffer: FloatBuffer       // [B][classes]
    var team: SpinTeam<EngineStep>?
    /// When set, each layer's time is added to it (see `LayerProfile`; for benchmarks, not for serving).
    public var profile: LayerProfile?
    var profiling = false               // `profile` applies to this call (not a batch spread as whole images)
    var layerContext = "stem"           // the unit being run, for profile row names

    /// Which units run in the row-planar layout. `.rowPlanar`: every stride-1 unit `prefersPlanar` picks;
    /// `.channelsLast`: none. `.automatic` (the default) is `.rowPlanar` with the AVX-512 kernels and
    /// `.channelsLast` with the baseline ones: there the planar tile is 6 outputs × one 16-pixel vector (AVX2
    /// has 16 registers), which measured slower on 0.5× g3 and g8 (docs/benchmarks.md).
    public enum Layout: Sendable { case automatic, channelsLast, rowPlanar }

    /// - Parameters:
    ///   - inputSize: pixels per side (a multiple of 32); default the architecture's. The weights do not
    ///     depend on it: the head is a global average pool.
    ///   - threads: threads per call, this one included (helpers are started here and live with the session).
    ///   - kernels: which compiled kernels to run; default the fastest this CPU supports. Must be supported.
    ///   - layout: which units run row-planar (`Layout`).
    public init(network: PackedNetwork, maxBatch: Int = 1, inputSize: Int? = nil, threads: Int = 1, kernels: KernelSet = .best,
                layout: Layout = .automatic) {
        precondition(kernels.isSupported, "\(kernels) kernels on a CPU without them")
        self.network = network
        self.kernels = kernels
        kernelCopy = kernels.kernels
        self.maxBatch = max(1, maxBatch)
        self.threads = max(1, threads)
        side = inputSize ?? network.config.inputSize
        let plan = BufferPlan(network: network, side: side, planar: layout == .rowPlanar || (layout == .automatic && kernels == .avx512))
        self.plan = plan
        let b = self.maxBatch, slots = min(self.threads, self.maxBatch), stride = plan.sliceStride
        input = FloatBuffer(count: b * stride.input)
        patches = (0..<self.threads).map { _ in FloatBuffer(count: Self.stemBand * plan.stemSide * 27) }
        stemOut = FloatBuffer(count: slots * stride.stem)
        x = FloatBuffer(count: slots * stride.act)
        y = FloatBuffer(count: slots * stride.act)
        t1 = FloatBuffer(count: 16 + slots * stride.t1)
        t1Start = t1.pointer + 16
        t2 = FloatBuffer(count: slots * stride.t2)
        zeros = FloatBuffer(count: plan.zeroCount)
        seScratch = FloatBuffer(count: slots * plan.sliceStride.se)
        pooled = FloatBuffer(count: b * (network.config.widths.last ?? 0))
        logitsBuffer = FloatBuffer(count: b * network.config.classes)
        if self.threads > 1 {
            team = SpinTeam(size: self.threads, idle: .idle) { [unowned self] step, part, parts in
                self.execute(step, part: part, parts: parts)
            }
        }
    }

    deinit {
        team?.stop()
        ([input, stemOut, x, y, t1, t2, zeros, seScratch, pooled, logitsBuffer] + patches).forEach { $0.free() }
    }

    /// Where image `i` of a batch goes: side × side × 3 floats, NHWC, already preprocessed.
    public func inputBuffer(image i: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: input.pointer + i * plan.sliceStride.input, count: side * side * 3)
    }

    /// Runs the network on the first `batch` input images; returns batch × classes logits owned by the
    /// session (valid until the next call).
    @discardableResult
    public func forward(batch: Int = 1) -> UnsafeBufferPointer<Float> {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) outside 1…\(maxBatch)")
        let wholeImages = team != nil && batch >= threads
        profiling = profile != nil && !wholeImages
        if let team, wholeImages {
            team.run(.images(batch: batch))
        } else {
            forwardImages(0..<batch, slot: 0, scratch: patches[0], split: team != nil)
        }
        runHead(batch: batch)
        return UnsafeBufferPointer(start: logitsBuffer.pointer, count: batch * network.config.classes)
    }

    /// Stem, every unit and the global pool for `images`, one after another in activation slot `slot`; `split`
    /// spreads each layer across the team.
    func forwardImages(_ images: Range<Int>, slot: Int, scratch: FloatBuffer, split: Bool) {
        let units = network.units
        for i in images {
            runStem(image: i, slot: slot, scratch: scratch, split: split)  // into x
            var h = plan.poolSide
            var current = x, next = y
            for (u, unit) in units.enumerated() {
                if profiling { layerContext = "stage \(unit.spec.stage + 2) unit \(unit.spec.index - firstIndex(ofStage: unit.spec.stage))" }
                let planar = plan.planarUnits[u], planarOutput = plan.planarOutputs[u]
                if planar && (u == 0 || !plan.planarOutputs[u - 1]) {
                    perform(.toPlanar(H: h, C: unit.spec.inChannels, input: slice(current, slot), output: slice(next, slot),
                                      outputChannels: unit.spec.inChannels), split: split, kind: "to row-planar")
                    swap(&current, &next)
                }
                // A stride-1 unit writes its output over its input (see `runChannelsLast`); a stride-2 unit changes buffers.
                let inPlace = unit.spec.stride == 1
                let buffers = UnitBuffers(input: slice(current, slot), mid: t1Start + slot * plan.sliceStride.t1,
                                          depthwise: t2.pointer + slot * plan.sliceStride.t2, output: slice(inPlace ? current : next, slot))
                if planar {
                    runRowPlanar(unit, side: h, buffers, split: split)
                } else {
                    runChannelsLast(unit, side: h, buffers, slot: slot, planarOutput: planarOutput, split: split)
                }
                h = KernelSet.outputSide(h, stride: unit.spec.stride)
                if !inPlace { swap(&current, &next) }
                if planarOutput && (u + 1 == units.count || !plan.planarUnits[u + 1]) {
                    perform(.fromPlanar(H: h, C: unit.spec.outChannels, input: slice(current, slot), output: slice(next, slot)),
                            split: split, kind: "from row-planar")
                    swap(&current, &next)
                }
            }
            runGlobalPool(image: i, side: h, input: slice(current, slot))
        }
    }

    /// Slot `slot`'s slice of the activation buffer `x` or `y`.
    func slice(_ buffer: FloatBuffer, _ slot: Int) -> UnsafeMutablePointer<Float> { buffer.pointer + slot * plan.sliceStride.act }

    /// `features` index of a stage's first unit (profile names count units within their stage).
    private func firstIndex(ofStage stage: Int) -> Int {
        network.units.first { $0.spec.stage == stage }?.spec.index ?? 0
    }

    /// Runs a step: across the team when `split`, else all of it on this thread. `kind` names the layer in a
    /// profile ("1×1 compress", …).
    func perform(_ step: EngineStep, split: Bool, kind: String, detail: String = "") {
        let started = profiling ? Monotonic.now() : 0
        if split, let team { team.run(step) } else { execute(step, part: 0, parts: 1) }
        if profiling {
            profile?.record(name: "\(layerContext) · \(kind)\(detail)", kind: kind, multiplyAdds: step.multiplyAdds, seconds: Monotonic.now() - started)
        }
    }
}

/// One unit's buffers in one activation slot (each slot's are a fixed stride apart, so threads never share one).
struct UnitBuffers {
    let input: UnsafeMutablePointer<Float>      // x or y: [H][W][C_in] (or row-planar)
    let mid: UnsafeMutablePointer<Float>        // t1: the first 1×1 convolution's output
    let depthwise: UnsafeMutablePointer<Float>  // t2: the depthwise convolution's output
    let output: UnsafeMutablePointer<Float>     // x or y: [H'][W'][C_out]; == input for a stride-1 unit
}
