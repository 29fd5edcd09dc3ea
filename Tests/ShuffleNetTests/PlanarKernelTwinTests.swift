import EngineKernels
import KernelTwins
@testable import ShuffleNet
import TestSupport
import XCTest

/// The row-planar kernels (`RowPlanarLayout`) against their slow twins (`SlowKernels`), on every compiled kernel set this CPU
/// runs: widths around the 16-lane vector (1, 5, 14, 15, 16, 17, 28, 33), channel counts that are not
/// multiples of 16, odd output counts (one-channel tiles after the 6-channel ones), shuffled inputs, rows
/// ranges that start past row 0, and the zero padding every writer must keep.
final class PlanarKernelTwinTests: XCTestCase {
    let kernelSets = KernelSet.allCases.filter(\.isSupported)
    var generator = SplitMix64(seed: 77)

    /// `count` random floats with 16 readable floats before and after (the layout's slack), returned as the
    /// start of the data; `free` takes the same pointer.
    func random(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = slack(count)
        for i in 0..<count { p[i] = Float(Int(generator.next() % 2001) - 1000) / 500 }
        return p
    }

    /// Zeroed floats with slack on both sides.
    func slack(_ count: Int) -> UnsafeMutablePointer<Float> {
        let base = UnsafeMutablePointer<Float>.allocate(capacity: count + 32)
        base.initialize(repeating: 0, count: count + 32)
        return base + 16
    }

    func free(_ p: UnsafeMutablePointer<Float>...) { p.forEach { ($0 - 16).deallocate() } }

    /// Random row-planar data: padding lanes zero, as every writer of the layout leaves them.
    func randomPlanar(H: Int, W: Int, C: Int) -> UnsafeMutablePointer<Float> {
        let wp = RowPlanarLayout.paddedWidth(W)
        let p = random(H * C * wp)
        for row in 0..<H * C { for x in W..<wp { p[row * wp + x] = 0 } }
        return p
    }

    func testConversionsMatchTheirTwinsAndRoundTrip() {
        for (H, W, C) in [(1, 1, 1), (3, 5, 7), (2, 14, 96), (4, 15, 17), (2, 16, 16), (3, 17, 33), (5, 28, 192), (2, 33, 40)] {
            let wp = RowPlanarLayout.paddedWidth(W)
            XCTAssertEqual(wp % 16, 0)
            XCTAssertGreaterThan(wp, W, "at least one zero lane after each row")
            for set in kernelSets {
                let nhwc = random(H * W * C)
                let fast = slack(H * C * wp), slow = slack(H * C * wp)
                // Stale values where padding goes: the conversion must write the zeros itself.
                for i in 0..<H * C * wp { fast[i] = 9 }
                set.kernels.toPlanar(H: H, W: W, C: C, input: nhwc, output: fast, outputChannels: C, rows: nil)
                SlowKernels.toPlanar(H: H, W: W, C: C, input: nhwc, output: slow, outputChannels: C, rows: nil)
                for i in 0..<H * C * wp { XCTAssertEqual(fast[i], slow[i], "\(set) to planar \(H)×\(W)×\(C) at \(i)"); if fast[i] != slow[i] { break } }
                // Back, into a wider pixel stride (a slice of a concatenation), rows split in two calls.
                let ldo = C + 3
                let back = slack(H * W * ldo), backSlow = slack(H * W * ldo)
                set.kernels.fromPlanar(H: H, W: W, C: C, input: fast, output: back, ldo: ldo, rows: 0..<H / 2)
                set.kernels.fromPlanar(H: H, W: W, C: C, input: fast, output: back, ldo: ldo, rows: H / 2..<H)
                SlowKernels.fromPlanar(H: H, W: W, C: C, input: slow, output: backSlow, ldo: ldo, rows: nil)
                for p in 0..<H * W {
                    for c in 0..<ldo {
                        XCTAssertEqual(back[p * ldo + c], backSlow[p * ldo + c], "\(set) to NHWC \(H)×\(W)×\(C) pixel \(p) channel \(c)")
                        if c < C { XCTAssertEqual(back[p * ldo + c], nhwc[p * C + c], "round trip") } else { XCTAssertEqual(back[p * ldo + c], 0, "wrote past C") }
                    }
                }
                free(nhwc, fast, slow, back, backSlow)
            }
        }
    }

    func testPointwiseMatchesItsTwin() {
        // (H, W, groups, M, K, shuffled): 6-wide groups (0.5× g8 stage 2) both ways, 21 outputs (its stride-2 unit),
        // 10 (0.5× g3), 12 and 48 (stage 3); M mod 6 ≠ 0; rows that leave 1, 2 or 3 vectors after the 4-vector tiles.
        for (H, W, groups, M, K, shuffled) in [(3, 28, 8, 6, 24, false), (4, 28, 8, 24, 6, true), (5, 28, 8, 21, 6, true), (3, 14, 8, 12, 48, false),
                                               (5, 14, 8, 48, 12, true), (2, 28, 3, 10, 40, false), (3, 28, 3, 40, 10, true), (3, 5, 1, 7, 3, false),
                                               (4, 15, 2, 13, 9, true), (3, 16, 1, 1, 1, false), (5, 17, 4, 11, 5, true), (2, 33, 1, 8, 20, false),
                                               (7, 14, 2, 9, 4, false), (1, 60, 2, 6, 3, true)] {
            let wp = RowPlanarLayout.paddedWidth(W)
            // Shuffled: group gi's input k is channel k·groups + gi (aStep = groups, aGroupStride = 1).
            let aStep = shuffled ? groups : 1, aGroupStride = shuffled ? 1 : K
            for residual in [false, true] {
                for set in kernelSets {
                    let cin = groups * K + 2, cout = groups * M + 3  // wider tensors than the convolution needs
                    let a = randomPlanar(H: H, W: W, C: cin), w = random(groups * PointwiseKernel.packedCount(K: K, M: M)), bias = random(groups * M)
                    let r = randomPlanar(H: H, W: W, C: cout)
                    let fast = slack(H * cout * wp), slow = slack(H * cout * wp)
                    let res = residual ? UnsafePointer(r) : nil
                    // Rows in two calls, the second starting past row 0 (as a thread's share does).
                    for rows in [0..<1, 1..<H] {
                        set.kernels.planarPointwise(rows: rows, W: W, groups: groups, M: M, K: K, A: a, aRow: cin * wp, aStep: aStep, aGroupStride: aGroupStride,
                                            weights: w, C: fast, cRow: cout * wp, bias: bias, relu: true, residual: res, rRow: cout * wp)
                    }
                    SlowKernels.planarPointwise(rows: 0..<H, W: W, groups: groups, M: M, K: K, A: a, aRow: cin * wp, aStep: aStep,
                                                aGroupStride: aGroupStride, weights: w, C: slow, cRow: cout * wp, bias: bias, relu: true,
                                                residual: res, rRow: cout * wp)
                    var worst: Float = 0, misplaced = 0
                    for y in 0..<H {
                        for c in 0..<cout {
                            for x in 0..<wp {
                                let i = (y * cout + c) * wp + x
                                if c >= groups * M || x >= W { misplaced += fast[i] == 0 ? 0 : 1; continue }
                                worst = max(worst, abs(fast[i] - slow[i]))
                            }
                        }
                    }
                    XCTAssertEqual(misplaced, 0, "\(set): values outside the output channels or in padding lanes")
                    XCTAssertLessThan(worst, 1e-3, "\(set): H \(H) W \(W) groups \(groups) M \(M) K \(K) shuffled \(shuffled) residual \(residual)")
                    free(a, w, bias, r, fast, slow)
                }
            }
        }
    }

    func testDepthwiseMatchesItsTwin() {
        for (H, W, C) in [(1, 1, 1), (3, 5, 4), (14, 14, 96), (28, 28, 48), (7, 15, 3), (5, 16, 10), (6, 17, 7), (3, 33, 5)] {
            let wp = RowPlanarLayout.paddedWidth(W)
            for set in kernelSets {
                let input = randomPlanar(H: H, W: W, C: C), weights = random(9 * C), bias = random(C)
                let zeros = slack(C * wp + 32)
                let fast = slack(H * C * wp), slow = slack(H * C * wp)
                for i in 0..<H * C * wp { fast[i] = 9 }
                set.kernels.planarDepthwise(H: H, W: W, C: C, input: input, weights: weights, bias: bias, output: fast, zeros: zeros, rows: 0..<H / 2)
                set.kernels.planarDepthwise(H: H, W: W, C: C, input: input, weights: weights, bias: bias, output: fast, zeros: zeros, rows: H / 2..<H)
                SlowKernels.planarDepthwise(H: H, W: W, C: C, input: input, weights: weights, bias: bias, output: slow, zeros: zeros, rows: nil)
                var worst: Float = 0
                for i in 0..<H * C * wp {
                    if i % wp >= W { XCTAssertEqual(fast[i], 0, "padding lane not zero") } else { worst = max(worst, abs(fast[i] - slow[i])) }
                }
                XCTAssertLessThan(worst, 1e-4, "\(set): \(H)×\(W)×\(C)")
                // And the same numbers as the NHWC kernel's twin.
                let nhwc = slack(H * W * C), nhwcOut = slack(H * W * C), back = slack(H * W * C)
                SlowKernels.fromPlanar(H: H, W: W, C: C, input: input, output: nhwc, ldo: C, rows: nil)
                SlowKernels.depthwise(H: H, W: W, C: C, stride: 1, input: nhwc, weights: weights, bias: bias, output: nhwcOut, zeros: zeros, rows: nil)
                SlowKernels.fromPlanar(H: H, W: W, C: C, input: fast, output: back, ldo: C, rows: nil)
                for i in 0..<H * W * C { XCTAssertEqual(back[i], nhwcOut[i], accuracy: 1e-4, "\(set) vs NHWC depthwise") }
                free(input, weights, bias, zeros, fast, slow, nhwc, nhwcOut, back)
            }
        }
    }
}
