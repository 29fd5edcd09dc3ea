import CMallocCounter
import EngineKernels
import KernelTwins
@testable import ShuffleNet
import TestSupport
import XCTest

/// Every fast NHWC kernel against its slow twin (`SlowKernels`) on awkward sizes: channel counts that are not
/// multiples of 16 (or of 4), odd spatial sizes, stride 2, strided (shuffled) inputs, residual epilogues, rows
/// split across calls as threads split them. Each compiled copy of the kernels this CPU can run (baseline and,
/// where supported, AVX-512) is compared with the twins.
final class KernelTwinTests: XCTestCase {
    let kernelSets = KernelSet.allCases.filter(\.isSupported)

    var generator = SplitMix64(seed: 2024)

    func random(_ count: Int) -> FloatBuffer {
        let buffer = FloatBuffer(count: count)
        for i in 0..<count { buffer.pointer[i] = Float(Int(generator.next() % 2001) - 1000) / 500 }
        return buffer
    }

    func maxDifference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, cols: Int, stride: Int) -> Float {
        var worst: Float = 0
        for r in 0..<rows { for c in 0..<cols { worst = max(worst, abs(a[r * stride + c] - b[r * stride + c])) } }
        return worst
    }

    func testPointwiseMatchesItsTwin() {
        for (N, M, K, aStep) in [(1, 1, 1, 1), (5, 3, 7, 1), (6, 10, 10, 3), (13, 20, 80, 1), (49, 36, 20, 3), (7, 72, 36, 8),
                                 (12, 30, 27, 1), (37, 40, 10, 3), (6, 1000, 48, 1), (11, 5, 9, 2), (19, 44, 13, 4),
                                 // Rows left over after the 6-row tiles; 6-wide groups (0.5× g8); 1–3 channel tails.
                                 (8, 6, 12, 8), (16, 2, 5, 1), (25, 26, 17, 3), (24, 50, 33, 1), (14, 7, 3, 2), (20, 34, 24, 1),
                                 (13, 48, 9, 1), (7, 80, 16, 3), (19, 45, 11, 2),
                                 // Last vectors stored as 8 + 4 + 3, 4 + 3 and 8 + 4 + 3 lanes (storePrefix).
                                 (9, 15, 5, 1), (10, 23, 6, 2), (7, 31, 4, 1),
                                 // 33–48 channels with K ≥ 32: the three-vector AVX-512 tile (40 and 80 = 32 + 48 as
                                 // in 1×/2× g3), rows left after it, a partial third vector.
                                 (20, 40, 64, 1), (13, 80, 40, 3), (9, 45, 33, 2), (6, 36, 300, 1), (5, 48, 32, 1)] {
            for residual in [false, true] {
                for set in kernelSets {
                    let lda = K * aStep + 3, ldc = M + 5
                    let a = random(N * lda), w = random(PointwiseKernel.packedCount(K: K, M: M)), bias = random(M), r = random(N * ldc)
                    let fast = FloatBuffer(count: N * ldc), slow = FloatBuffer(count: N * ldc)
                    let residualPointer = residual ? UnsafePointer(r.pointer) : nil
                    set.kernels.pointwise(N: N, M: M, K: K, A: a.pointer, lda: lda, aStep: aStep, W: w.pointer, C: fast.pointer, ldc: ldc, bias: bias.pointer,
                                          relu: true, residual: residualPointer, ldr: ldc, packedK: nil)
                    SlowKernels.pointwise(N: N, M: M, K: K, A: a.pointer, lda: lda, aStep: aStep, W: w.pointer, C: slow.pointer, ldc: ldc, bias: bias.pointer,
                                          relu: true, residual: residualPointer, ldr: ldc, packedK: nil)
                    let worst = maxDifference(fast.pointer, slow.pointer, rows: N, cols: M, stride: ldc)
                    XCTAssertLessThan(worst, 1e-3, "\(set): N \(N) M \(M) K \(K) step \(aStep) residual \(residual)")
                    // Columns past M (the slice another group owns) are untouched.
                    for n in 0..<N { for c in M..<ldc { XCTAssertEqual(fast.pointer[n * ldc + c], 0, "wrote outside its slice") } }
                    // Inputs [k0, K) of the same packed weights (the session's K blocks): A and W advanced to input k0.
                    let k0 = K / 2
                    set.kernels.pointwise(N: N, M: M, K: K - k0, A: a.pointer + k0 * aStep, lda: lda, aStep: aStep, W: w.pointer + k0 * PointwiseKernel.panelWidth,
                                          C: fast.pointer, ldc: ldc, bias: bias.pointer, relu: false, residual: residualPointer, ldr: ldc, packedK: K)
                    SlowKernels.pointwise(N: N, M: M, K: K - k0, A: a.pointer + k0 * aStep, lda: lda, aStep: aStep, W: w.pointer + k0 * PointwiseKernel.panelWidth,
                                          C: slow.pointer, ldc: ldc, bias: bias.pointer, relu: false, residual: residualPointer, ldr: ldc, packedK: K)
                    XCTAssertLessThan(maxDifference(fast.pointer, slow.pointer, rows: N, cols: M, stride: ldc), 1e-3, "\(set): inputs \(k0)..<\(K) of N \(N) M \(M)")
                    [a, w, bias, r, fast, slow].forEach { $0.free() }
                }
            }
        }
    }

    func testDepthwiseMatchesItsTwin() {
        for (H, W, C) in [(1, 1, 1), (7, 7, 30), (14, 14, 20), (5, 9, 36), (28, 28, 72), (3, 3, 3), (13, 11, 60), (56, 56, 18)] {
            for stride in [1, 2] {
                for set in kernelSets {
                    let input = random(H * W * C), weights = random(9 * C), bias = random(C)
                    let zeros = FloatBuffer(count: W * C + 16)
                    let OH = DepthwiseKernel.outputSide(H, stride: stride), OW = DepthwiseKernel.outputSide(W, stride: stride)
                    let fast = FloatBuffer(count: OH * OW * C), slow = FloatBuffer(count: OH * OW * C)
                    // Output rows in two calls, as two threads share them.
                    for rows in [0..<OH / 2, OH / 2..<OH] {
                        set.kernels.depthwise(H: H, W: W, C: C, stride: stride, input: input.pointer, weights: weights.pointer, bias: bias.pointer,
                                              output: fast.pointer, zeros: zeros.pointer, rows: rows)
                    }
                    SlowKernels.depthwise(H: H, W: W, C: C, stride: stride, input: input.pointer, weights: weights.pointer, bias: bias.pointer,
                                          output: slow.pointer, zeros: zeros.pointer, rows: nil)
                    XCTAssertLessThan(maxDifference(fast.pointer, slow.pointer, rows: OH * OW, cols: C, stride: C), 1e-4, "\(set): \(H)×\(W)×\(C) stride \(stride)")
                    [input, weights, bias, zeros, fast, slow].forEach { $0.free() }
                }
            }
        }
    }

    /// NHWC pooling against its twins (rows split in two calls, average pooling into a wider pixel stride) and
    /// against the NCHW reference kernels of the reference forward pass.
    func testPoolingMatchesItsTwinsAndTheReference() {
        for (H, W, C) in [(7, 7, 24), (9, 13, 5), (56, 56, 12), (2, 3, 17), (5, 3, 30), (4, 4, 7), (1, 1, 3), (11, 6, 45)] {
            for set in kernelSets {
                let input = random(H * W * C)
                var nchw = Activation(channels: C, height: H, width: W)
                for y in 0..<H { for x in 0..<W { for c in 0..<C { nchw.data[(c * H + y) * W + x] = input.pointer[(y * W + x) * C + c] } } }
                let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
                let maxOut = FloatBuffer(count: OH * OW * C), avgOut = FloatBuffer(count: OH * OW * (C + 3))
                let maxTwin = FloatBuffer(count: OH * OW * C), avgTwin = FloatBuffer(count: OH * OW * (C + 3))
                for rows in [0..<OH / 2, OH / 2..<OH] {
                    set.kernels.maxPool(H: H, W: W, C: C, input: input.pointer, output: maxOut.pointer, rows: rows)
                    set.kernels.avgPool(H: H, W: W, C: C, input: input.pointer, output: avgOut.pointer, ldo: C + 3, rows: rows)
                }
                SlowKernels.maxPool(H: H, W: W, C: C, input: input.pointer, output: maxTwin.pointer, rows: nil)
                SlowKernels.avgPool(H: H, W: W, C: C, input: input.pointer, output: avgTwin.pointer, ldo: C + 3, rows: nil)
                let maxRef = ReferenceKernels.maxPool3x3s2(nchw), avgRef = ReferenceKernels.avgPool3x3s2(nchw)
                for y in 0..<OH {
                    for x in 0..<OW {
                        for c in 0..<C {
                            let p = y * OW + x
                            XCTAssertEqual(maxOut.pointer[p * C + c], maxTwin.pointer[p * C + c], "\(set) max \(H)×\(W)×\(C) vs twin")
                            XCTAssertEqual(avgOut.pointer[p * (C + 3) + c], avgTwin.pointer[p * (C + 3) + c], accuracy: 1e-5, "\(set) avg \(H)×\(W)×\(C) vs twin")
                            XCTAssertEqual(maxOut.pointer[p * C + c], maxRef.data[(c * OH + y) * OW + x], "\(set) max \(H)×\(W)×\(C)")
                            XCTAssertEqual(avgOut.pointer[p * (C + 3) + c], avgRef.data[(c * OH + y) * OW + x], accuracy: 1e-5, "\(set) avg \(H)×\(W)×\(C)")
                        }
                        for c in C..<C + 3 { XCTAssertEqual(avgOut.pointer[(y * OW + x) * (C + 3) + c], 0, "\(set) avg pool wrote past C") }
                    }
                }
                [input, maxOut, avgOut, maxTwin, avgTwin].forEach { $0.free() }
            }
        }
    }

    /// The global average pool (the head) on channel counts around the 16-, 8- and 4-wide steps and pixel
    /// counts from 1 up: the C floats written match the twin, and nothing past them is written.
    func testGlobalAverageMatchesItsTwin() {
        for (pixels, C) in [(1, 1), (1, 3), (2, 4), (7, 5), (9, 7), (3, 8), (49, 13), (4, 16), (5, 17), (16, 24), (49, 29), (3, 120),
                            (49, 240), (196, 33), (49, 1024 + 5), (10, 1)] {
            for set in kernelSets {
                let input = random(pixels * C)
                let fast = FloatBuffer(count: C + 16), slow = FloatBuffer(count: C + 16)
                for c in C..<C + 16 { fast.pointer[c] = 9 }
                set.kernels.globalAverage(pixels: pixels, C: C, input: input.pointer, output: fast.pointer)
                SlowKernels.globalAverage(pixels: pixels, C: C, input: input.pointer, output: slow.pointer)
                XCTAssertLessThan(maxDifference(fast.pointer, slow.pointer, rows: 1, cols: C, stride: C), 1e-5, "\(set): \(pixels) pixels × \(C) channels")
                for c in C..<C + 16 { XCTAssertEqual(fast.pointer[c], 9, "\(set): wrote past channel \(C)") }
                [input, fast, slow].forEach { $0.free() }
            }
        }
    }

    /// The stem's im2col rows against their twin, which is their definition: patch (ky, kx, c) of output pixel
    /// (oy, ox) is input pixel (2·oy − 1 + ky, 2·ox − 1 + kx), channel c, or 0 outside the image. Odd and tiny
    /// sizes reach the padded edges and the interior fast path; a band of rows lands at the start of its buffer.
    func testStemPatchesMatchTheirTwin() {
        for (H, W) in [(1, 1), (2, 3), (7, 7), (9, 13), (16, 11)] {
            for set in kernelSets {
                let input = random(H * W * 3)
                let OH = DepthwiseKernel.outputSide(H, stride: 2), OW = DepthwiseKernel.outputSide(W, stride: 2)
                for band in [0..<OH, OH / 2..<OH] {
                    let fast = FloatBuffer(count: band.count * OW * 27), slow = FloatBuffer(count: band.count * OW * 27)
                    for i in 0..<band.count * OW * 27 { fast.pointer[i] = 9 }
                    set.kernels.stemPatches(H: H, W: W, input: input.pointer, rows: fast.pointer, outputRows: band.lowerBound == 0 ? nil : band)
                    SlowKernels.stemPatches(H: H, W: W, input: input.pointer, rows: slow.pointer, outputRows: band)
                    for i in 0..<band.count * OW * 27 { XCTAssertEqual(fast.pointer[i], slow.pointer[i], "\(set) \(H)×\(W) rows \(band) at \(i)") }
                    [fast, slow].forEach { $0.free() }
                }
                input.free()
            }
        }
    }

    func testInferenceAllocatesNothing() throws {
        guard malloccounter_available() != 0 else { throw XCTSkip("the allocation counter is off under sanitizers") }
        let model = try Checkpoints.pretrained("g3")
        let session = InferenceSession(network: PackedNetwork(model.weights), maxBatch: 2)
        let golden = try ReferenceIO(path: try SharedFixtures.path("reference/g3_0.5x_chelsea.io.safetensors"))
        session.setInput(golden.input, image: 0)
        session.setInput(golden.input, image: 1)
        session.forward(batch: 2) // first call outside the count
        malloccounter_start()
        for i in 0..<100 { session.forward(batch: i % 2 + 1) }
        let allocations = malloccounter_stop()
        XCTAssertEqual(allocations, 0, "heap allocations during 100 inferences")
        // With helper threads sharing a batch.
        let threaded = InferenceSession(network: PackedNetwork(model.weights), maxBatch: 4, threads: 2)
        for i in 0..<4 { threaded.setInput(golden.input, image: i) }
        threaded.forward(batch: 4)
        malloccounter_start()
        for _ in 0..<50 { threaded.forward(batch: 4) }
        XCTAssertEqual(malloccounter_stop(), 0, "heap allocations during 50 threaded batches")
        // One image split across two threads, layer by layer.
        let split = InferenceSession(network: PackedNetwork(model.weights), threads: 2)
        split.setInput(golden.input)
        split.forward()
        malloccounter_start()
        for _ in 0..<50 { split.forward() }
        XCTAssertEqual(malloccounter_stop(), 0, "heap allocations during 50 split single-image inferences")
        // The counter itself works: an array allocation is seen.
        malloccounter_start()
        let array = [Float](repeating: 1, count: 1000 + Int(generator.next() % 10))
        let seen = malloccounter_stop()
        XCTAssertGreaterThan(seen, 0, "the counter saw \(array.count) floats being allocated")
    }
}
