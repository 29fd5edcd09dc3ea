import CInt8Kernels
import Foundation
import KernelTwins
import ShuffleNet
import XCTest

/// Every compiled copy of the int8 kernels this CPU supports (portable C, AVX2, AVX-VNNI, AVX-512 VNNI) against the
/// slow twins (`SlowInt8Kernels`) on awkward sizes. Equality is exact: the header's contract fixes every rounding.
/// Inputs carry the 64 bytes of slack the contract promises, filled with random bytes; outputs carry sentinels
/// that must survive (columns past M, pixels' bytes past C, rows outside the range asked for).
/// The data is seeded (INT8_TWIN_SEED overrides the default; the seed is printed).
final class Int8KernelTwinTests: XCTestCase {
    static let allIsas = [SN_INT8_PORTABLE, SN_INT8_AVX2, SN_INT8_AVX_VNNI, SN_INT8_AVX512_VNNI]
    let isas = Int8KernelTwinTests.allIsas.filter { sn_int8_supports($0) != 0 }
    var generator = SplitMix64(seed: 0)
    var allocations: [UnsafeMutableRawPointer] = []
    static let slack = 64, sentinel: UInt8 = 0xA5

    override func setUp() {
        let seed = ProcessInfo.processInfo.environment["INT8_TWIN_SEED"].flatMap { UInt64($0) } ?? 0x1E8_2024
        print("Int8KernelTwinTests seed \(seed); copies \(isas.map(\.rawValue)) (0 portable, 1 AVX2, 2 AVX-VNNI, 3 AVX-512 VNNI)")
        generator = SplitMix64(seed: seed)
    }

    override func tearDown() { allocations.forEach { $0.deallocate() }; allocations = [] }

    /// `count` values and 64 bytes of slack, all from `make` (the slack too: padding must never matter).
    func buffer<T>(_ count: Int, _ make: (inout SplitMix64) -> T) -> UnsafeMutablePointer<T> {
        let total = count + (Self.slack + MemoryLayout<T>.stride - 1) / MemoryLayout<T>.stride
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: total)
        for i in 0..<total { pointer[i] = make(&generator) }
        allocations.append(UnsafeMutableRawPointer(pointer))
        return pointer
    }
    func bytes(_ count: Int) -> UnsafeMutablePointer<UInt8> { buffer(count) { UInt8(truncatingIfNeeded: $0.next()) } }
    func weights(_ count: Int) -> UnsafeMutablePointer<Int8> { buffer(count) { Int8(truncatingIfNeeded: $0.next()) } }
    func filled(_ count: Int, _ value: UInt8 = sentinel) -> UnsafeMutablePointer<UInt8> { buffer(count) { _ in value } }
    func uniform(_ range: ClosedRange<Float>) -> Float { Float.random(in: range, using: &generator) }
    /// Scales that put y in a useful range for accumulators of about `accRange`; every fourth a power of two, so
    /// that half-way ties (k + 0.5) occur often enough to tell round-half-even from other roundings.
    func scales(_ count: Int, accRange: Float) -> UnsafeMutablePointer<Float> {
        buffer(count) { g in g.next() % 4 == 0 ? 1 / Float(1 << (g.next() % 6 + 1)) : Float.random(in: 0.2...1.5, using: &g) * 200 / accRange }
    }
    func offsets(_ count: Int) -> UnsafeMutablePointer<Float> {
        buffer(count) { g in g.next() % 3 == 0 ? Float(Int(g.next() % 400) - 100) / 2 : Float.random(in: -100...200, using: &g) }
    }

    func assertEqualBytes(_ fast: UnsafePointer<UInt8>, _ slow: UnsafePointer<UInt8>, _ count: Int, _ what: @autoclosure () -> String,
                          file: StaticString = #filePath, line: UInt = #line) {
        guard let i = (0..<count).first(where: { fast[$0] != slow[$0] }) else { return }
        XCTFail("\(what()): byte \(i) is \(fast[i]), the twin says \(slow[i])", file: file, line: line)
    }

    /// Runs `gemm` for N × M × K with weights W [m][k], with or without correction, residual and a floor `lo`.
    func checkGemm(N: Int, M: Int, K: Int, A: UnsafePointer<UInt8>, lda: Int, W: UnsafePointer<Int8>, variant: Int) {
        let packed = UnsafeMutablePointer<Int8>.allocate(capacity: sn_int8_packed_size(K, M))
        defer { packed.deallocate() }
        sn_int8_pack(W, K, M, packed)
        let ldc = M + 5, ldr = M + 2
        let correction = variant & 1 != 0 ? buffer(M) { Int32(Int($0.next() % 20001) - 10000) } : nil
        let residual = variant & 2 != 0 ? bytes(N * ldr) : nil
        let accRange = Float(K) * 255 * 64
        let epilogue = sn_int8_epilogue(scale: scales(M, accRange: accRange), offset: offsets(M), correction: correction, residual: residual, ldr: ldr,
                                        residualScale: variant & 4 != 0 ? 0.5 : uniform(0.1...1.2), lo: variant & 4 != 0 ? Int32(generator.next() % 128) : 0)
        let slow = filled(N * ldc), twinAcc = buffer(N * ldc) { _ in Int32(-7) }
        SlowInt8Kernels.gemm(N: N, M: M, K: K, A: A, lda: lda, weights: W, C: slow, ldc: ldc, epilogue: epilogue)
        SlowInt8Kernels.gemmAccumulate(N: N, M: M, K: K, A: A, lda: lda, weights: W, acc: twinAcc, ldacc: ldc)
        for isa in isas {
            let fast = filled(N * ldc), acc = buffer(N * ldc) { _ in Int32(-7) }
            withUnsafePointer(to: epilogue) { sn_int8_gemm(isa, N, M, K, A, lda, packed, fast, ldc, $0) }
            assertEqualBytes(fast, slow, N * ldc + Self.slack, "gemm copy \(isa.rawValue) N \(N) M \(M) K \(K) variant \(variant)")
            sn_int8_gemm_accumulate(isa, N, M, K, A, lda, packed, acc, ldc)
            if let i = (0..<N * ldc).first(where: { acc[$0] != twinAcc[$0] }) {
                XCTFail("gemm_accumulate copy \(isa.rawValue) N \(N) M \(M) K \(K): acc[\(i)] is \(acc[i]), the triple loop says \(twinAcc[i])")
            }
        }
    }

    func testGemmMatchesItsTwin() {
        var variant = 0
        for M in [1, 3, 10, 17, 40, 47, 160] {
            for K in [1, 3, 10, 27, 40, 161] {
                for N in [1, 5, 7, 13, 49] {
                    // A slice of wider rows, as one group's inputs in a grouped convolution.
                    let lda = K + Int(generator.next() % 3) * 7
                    checkGemm(N: N, M: M, K: K, A: bytes(N * lda), lda: lda, W: weights(M * K), variant: variant % 8)
                    variant += 1
                }
            }
        }
        // The register tiles' row loops (12, 8, 6 rows, then 4, 2, 1) and panel groups (4 + 4 + 2, 4 + 1, …).
        for (N, M, K) in [(196, 80, 40), (100, 20, 80), (37, 240, 20), (64, 48, 160), (31, 64, 12), (61, 96, 4), (25, 33, 9), (3136, 10, 40)] {
            for variant in [3, 6] { checkGemm(N: N, M: M, K: K, A: bytes(N * K), lda: K, W: weights(M * K), variant: variant) }
        }
    }

    /// The largest magnitudes: A = 255 against W = 127 or −128 everywhere, long K.
    func testGemmExtremes() {
        for (K, w) in [(161, Int8(127)), (161, Int8(-128)), (1000, Int8(-127)), (640, Int8(127))] {
            for (N, M) in [(13, 47), (1, 160), (7, 3)] {
                let A = filled(N * K, 255), W = buffer(M * K) { _ in w }
                for variant in 0..<8 { checkGemm(N: N, M: M, K: K, A: A, lda: K, W: W, variant: variant) }
            }
        }
    }

    func testDepthwiseMatchesItsTwin() {
        for (H, W) in [(1, 1), (1, 7), (2, 2), (3, 3), (2, 15), (7, 3), (7, 7), (14, 14), (15, 15)] {
            for C in [1, 3, 10, 17, 30, 60, 120] {
                for stride in [1, 2] {
                    for permuted in [false, true] {
                        let Ho = (H - 1) / stride + 1, Wo = (W - 1) / stride + 1
                        let input = bytes(H * W * C), taps = weights(9 * C)
                        let scale = scales(C, accRange: 9 * 255 * 64), offset = offsets(C), lo = Int32(generator.next() % 2 == 0 ? 0 : generator.next() % 100)
                        var index: UnsafeMutablePointer<UInt16>? = nil
                        if permuted {
                            let shuffled = (0..<C).map(UInt16.init).shuffled(using: &generator)
                            index = buffer(C) { _ in 0 }
                            for c in 0..<C { index![c] = shuffled[c] }
                        }
                        let slow = filled(Ho * Wo * C)
                        SlowInt8Kernels.depthwise(H: H, W: W, C: C, stride: stride, input: input, weights: taps, scale: scale, offset: offset,
                                                  lo: lo, outputIndex: index, output: slow, rows: 0..<Ho)
                        // Rows in up to three calls, as threads share them; the first row is left to the end to
                        // see that a call writes only its rows.
                        let cut = Ho > 2 ? Int(generator.next() % UInt64(Ho - 2)) + 2 : Ho
                        for isa in isas {
                            let fast = filled(Ho * Wo * C)
                            for rows in [min(1, Ho)..<cut, cut..<Ho] { sn_int8_depthwise(isa, H, W, C, stride, input, taps, scale, offset, lo, index, fast, rows.lowerBound, rows.upperBound) }
                            if Ho > 1 { assertEqualBytes(fast, filled(Wo * C), Wo * C, "depthwise copy \(isa.rawValue) wrote row 0 when not asked") }
                            sn_int8_depthwise(isa, H, W, C, stride, input, taps, scale, offset, lo, index, fast, 0, min(1, Ho))
                            assertEqualBytes(fast, slow, Ho * Wo * C + Self.slack,
                                             "depthwise copy \(isa.rawValue) \(H)×\(W)×\(C) stride \(stride) permuted \(permuted) lo \(lo)")
                        }
                    }
                }
            }
        }
    }

    func testPoolingMatchesItsTwins() {
        for (H, W) in [(1, 1), (2, 3), (3, 2), (7, 7), (14, 15), (15, 14), (56, 56)] {
            for C in [1, 3, 10, 17, 30, 64, 120] {
                let Ho = (H - 1) / 2 + 1, Wo = (W - 1) / 2 + 1, ldo = C + 3
                let input = generator.next() % 5 == 0 ? filled(H * W * C, 255) : bytes(H * W * C)
                let scale: Float = [Float(1) / 9, 0.5, 0.25, 1.3 / 9, 0.1][Int(generator.next() % 5)]
                let slowAvg = filled(Ho * Wo * ldo), slowMax = filled(Ho * Wo * C)
                SlowInt8Kernels.avgpool(H: H, W: W, C: C, input: input, scale: scale, output: slowAvg, ldo: ldo, rows: 0..<Ho)
                SlowInt8Kernels.maxpool(H: H, W: W, C: C, input: input, output: slowMax, rows: 0..<Ho)
                for isa in isas {
                    let fastAvg = filled(Ho * Wo * ldo), fastMax = filled(Ho * Wo * C)
                    for rows in [0..<Ho / 2, Ho / 2..<Ho] {
                        sn_int8_avgpool(isa, H, W, C, input, scale, fastAvg, ldo, rows.lowerBound, rows.upperBound)
                        sn_int8_maxpool(isa, H, W, C, input, fastMax, rows.lowerBound, rows.upperBound)
                    }
                    assertEqualBytes(fastAvg, slowAvg, Ho * Wo * ldo + Self.slack, "avgpool copy \(isa.rawValue) \(H)×\(W)×\(C) scale \(scale)")
                    assertEqualBytes(fastMax, slowMax, Ho * Wo * C + Self.slack, "maxpool copy \(isa.rawValue) \(H)×\(W)×\(C)")
                }
            }
        }
    }

    func testQuantizeMatchesItsTwin() {
        for count in [1, 5, 15, 16, 17, 33, 64, 100, 1000] {
            for (inverseScale, zeroPoint) in [(Float(0.5), Float(0)), (2, 17), (1 / 0.0173, 113), (37.25, 0), (1, 128)] {
                let x = buffer(count) { g -> Float in
                    switch g.next() % 6 {
                    case 0: return (Float(Int(g.next() % 600) - 200) + 0.5 - zeroPoint) / inverseScale // ties after the fma (for exact inverses)
                    case 1: return [1e30, -1e30, 3e9, -3e9, 1e-30, -0.0, 0, Float.greatestFiniteMagnitude / 64][Int(g.next() % 8)]
                    default: return Float.random(in: -10...300, using: &g) / inverseScale
                    }
                }
                let slow = filled(count)
                SlowInt8Kernels.quantize(x, count: count, inverseScale: inverseScale, zeroPoint: zeroPoint, q: slow)
                for isa in isas {
                    let fast = filled(count)
                    sn_int8_quantize(isa, x, count, inverseScale, zeroPoint, fast)
                    assertEqualBytes(fast, slow, count + Self.slack, "quantize copy \(isa.rawValue) count \(count) scale \(inverseScale)")
                }
            }
        }
    }

    func testChannelSumsMatchTheirTwin() {
        for pixels in [1, 5, 49, 196, 3136] {
            for C in [1, 3, 10, 17, 30, 60, 64, 65, 120, 240, 1000] where pixels * C <= 1_000_000 {
                let input = pixels == 3136 ? filled(pixels * C, 255) : bytes(pixels * C)
                let slow = buffer(C) { _ in Int32(-1) }
                SlowInt8Kernels.channelSums(pixels: pixels, C: C, input: input, sums: slow)
                for isa in isas {
                    let fast = buffer(C) { _ in Int32(-1) }
                    sn_int8_channel_sums(isa, pixels, C, input, fast)
                    for i in 0..<C + Self.slack / 4 where fast[i] != slow[i] {
                        XCTFail("channel sums copy \(isa.rawValue) \(pixels) pixels × \(C): sums[\(i)] is \(fast[i]), the twin says \(slow[i])")
                        break
                    }
                }
            }
        }
    }

    /// fmaf(x, s, c) and the unfused x·s + c rounded (half to even) to different integers?
    func splits(_ x: Float, _ s: Float, _ c: Float) -> Bool {
        c.addingProduct(x, s).rounded(.toNearestOrEven) != (x * s + c).rounded(.toNearestOrEven)
    }

    /// A multiplier near `s` and an addend for which one fused multiply-add and a multiply then an add round to
    /// different integers: x·s's rounding error decides a tie (8.5 or 9.5) that the unfused sum lands on exactly.
    /// A copy that contracts differently from the contract (or not at all) fails on these, where random data would
    /// rarely show it.
    func splittingPair(_ x: Float, near s: Float) throws -> (multiplier: Float, addend: Float) {
        var multiplier = s
        for _ in 0..<64 {
            let product = x * multiplier, error = Double(x) * Double(multiplier) - Double(product) // the double product is exact
            let addend = (error > 0 ? 8.5 : 9.5) - product // exact: both are multiples of product's ulp
            if error != 0, splits(x, multiplier, addend) { return (multiplier, addend) }
            multiplier = multiplier.nextUp
        }
        throw XCTSkip("no splitting multiplier near \(s) for \(x)") // not reached for the values below
    }

    func testRequantizationIsOneFusedMultiplyAdd() throws {
        let M = 47
        // GEMM: K = 1, acc = 201·w[m]; scale[m] and offset[m] split by the fma. Depthwise: a 1×1 image (only the
        // centre tap), the same products. Residual: acc = 0 (W = 0), residual r[m] at residualScale 0.7.
        let a = filled(1, 201), W = weights(M), scale = buffer(M) { _ in Float(0) }, offsets = buffer(M) { _ in Float(0) }
        let zeroW = buffer(M) { _ in Int8(0) }, residual = bytes(M), residualOffsets = buffer(M) { _ in Float(0) }
        let taps = weights(9 * M)
        for m in 0..<M {
            if W[m] == 0 { W[m] = 1 }
            taps[4 * M + m] = W[m]
            let acc = Float(Int32(a[0]) * Int32(W[m]))
            (scale[m], offsets[m]) = try splittingPair(acc, near: 178 / acc.magnitude)
            while (try? splittingPair(Float(residual[m]), near: 0.7))?.multiplier != 0.7 { residual[m] &+= 1 }
            residualOffsets[m] = try splittingPair(Float(residual[m]), near: 0.7).addend
        }
        for (weightsUsed, epilogue) in [(W, sn_int8_epilogue(scale: scale, offset: offsets, correction: nil, residual: nil, ldr: 0, residualScale: 0, lo: 0)),
                                        (zeroW, sn_int8_epilogue(scale: scale, offset: residualOffsets, correction: nil, residual: residual, ldr: M,
                                                                 residualScale: 0.7, lo: 0))] {
            let packed = UnsafeMutablePointer<Int8>.allocate(capacity: sn_int8_packed_size(1, M))
            defer { packed.deallocate() }
            sn_int8_pack(weightsUsed, 1, M, packed)
            let slow = filled(M)
            SlowInt8Kernels.gemm(N: 1, M: M, K: 1, A: a, lda: 1, weights: weightsUsed, C: slow, ldc: M, epilogue: epilogue)
            for isa in isas {
                let fast = filled(M)
                withUnsafePointer(to: epilogue) { sn_int8_gemm(isa, 1, M, 1, a, 1, packed, fast, M, $0) }
                assertEqualBytes(fast, slow, M, "gemm copy \(isa.rawValue), residual \(epilogue.residual != nil): ties split by the fma")
            }
        }
        let x = filled(M, 201), slow = filled(M)
        SlowInt8Kernels.depthwise(H: 1, W: 1, C: M, stride: 1, input: x, weights: taps, scale: scale, offset: offsets, lo: 0, outputIndex: nil,
                                  output: slow, rows: 0..<1)
        // Quantize has one zero point: x scanned near (8.5 + 170) / 0.7 for fmaf(x, 0.7, −170) to split.
        let floats = buffer(M) { _ in Float(0) }
        for i in 0..<M {
            var v = 178.5 / 0.7 + Float(i) * 0.001
            while !splits(v, 0.7, -170) { v = v.nextUp }
            floats[i] = v
        }
        let slowQ = filled(M)
        SlowInt8Kernels.quantize(floats, count: M, inverseScale: 0.7, zeroPoint: -170, q: slowQ)
        for isa in isas {
            let fast = filled(M), fastQ = filled(M)
            sn_int8_depthwise(isa, 1, 1, M, 1, x, taps, scale, offsets, 0, nil, fast, 0, 1)
            assertEqualBytes(fast, slow, M, "depthwise copy \(isa.rawValue): ties split by the fma")
            sn_int8_quantize(isa, floats, M, 0.7, -170, fastQ)
            assertEqualBytes(fastQ, slowQ, M, "quantize copy \(isa.rawValue): ties split by the fma")
        }
    }

    /// The copies this machine has are the ones cpuid reports, and detection picks the best of them.
    func testDetectionPicksASupportedCopy() {
        XCTAssertEqual(sn_int8_supports(SN_INT8_PORTABLE), 1)
        XCTAssertEqual(sn_int8_supports(sn_int8_detect()), 1)
        XCTAssertEqual(sn_int8_detect(), isas.last)
    }
}
