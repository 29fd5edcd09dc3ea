import MonotonicClock

/// The layers before the first unit and after the last: the stem (a 3×3/2 convolution and 3×3/2 max pooling)
/// and the head (the global average pool, then the classifier for the whole batch).
extension InferenceSession {
    /// Output rows of the stem per im2col band: 2 × 112 patches of 27 floats is 24 KB, half of L1. (The whole
    /// image's patches, 1.4 MB, would be written and then read back from L2.)
    static let stemBand = 2

    /// Image `i`'s stem into slot `slot` of x: im2col bands and a K = 27 GEMM with ReLU (`EngineStep.Stem`), then
    /// max pooling. `scratch` is this thread's im2col band (a split stem uses each helper's own).
    func runStem(image i: Int, slot: Int, scratch: FloatBuffer, split: Bool) {
        let stem = network.stem, stemOutput = stemOut.pointer + slot * plan.sliceStride.stem
        if profiling { layerContext = "stem" }
        perform(.stem(.init(input: input.pointer + i * plan.sliceStride.input, side: side, W: stem.weight.pointer, bias: stem.bias.pointer, M: stem.m,
                            output: stemOutput, scratch: split ? nil : scratch.pointer)),
                split: split, kind: "3×3/2 conv (stem)")
        perform(.maxPool(H: plan.stemSide, C: network.config.stem, input: stemOutput, output: slice(x, slot)), split: split, kind: "max pool 3×3/2")
    }

    /// Image `i`'s features: the mean of each channel of the last unit's `side` × `side` NHWC output, into `pooled`.
    func runGlobalPool(image i: Int, side h: Int, input: UnsafePointer<Float>) {
        let width = network.config.widths.last ?? 0
        let started = profiling ? Monotonic.now() : 0
        kernelCopy.globalAverage(pixels: h * h, C: width, input: input, output: pooled.pointer + i * width)
        if profiling { profile?.record(name: "head · global average pool", kind: "global average pool", multiplyAdds: 0, seconds: Monotonic.now() - started) }
    }

    /// The classifier for the whole batch as one GEMM: pooled [batch][C] × W [C][classes] into `logitsBuffer`, its
    /// classes split across the team.
    func runHead(batch: Int) {
        let config = network.config, fc = network.classifier
        let width = config.widths.last ?? 0, classes = config.classes
        let started = profiling ? Monotonic.now() : 0
        let head = EngineStep.classifier(.init(N: batch, groups: 1, M: classes, K: width, A: pooled.pointer, lda: width, aStep: 1, aGroupStride: 0,
                                               W: fc.weight.pointer, C: logitsBuffer.pointer, ldc: classes, bias: fc.bias.pointer,
                                               relu: false, residual: nil, ldr: 0))
        if let team { team.run(head) } else { execute(head, part: 0, parts: 1) }
        if profiling {
            profile?.record(name: "head · classifier (fully connected)", kind: "classifier", multiplyAdds: batch * width * classes,
                            seconds: Monotonic.now() - started)
        }
    }
}
