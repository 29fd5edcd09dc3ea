/// Bilinear resampling of 8-bit interleaved images exactly as Pillow's `Image.resize(…, BILINEAR)` does it:
/// a triangle filter widened by the scale when shrinking (antialiasing), weights computed in Double,
/// normalised, turned into 22-bit fixed point, applied horizontally then vertically with 8-bit
/// rounding and clipping in between. Matching Pillow bit for bit matters because the checkpoints'
/// reference preprocessing used it.
public enum PillowResample {
    static let precisionBits = 32 - 8 - 2

    /// A rectangle of the resized image, in output pixels.
    public struct Window: Sendable, Equatable {
        public var left: Int, top: Int, width: Int, height: Int
        public init(left: Int, top: Int, width: Int, height: Int) {
            self.left = left
            self.top = top
            self.width = width
            self.height = height
        }
    }

    /// For output positions `first ..< first + count.count` of one axis: the first input index each one
    /// reads, how many taps it has, and `taps` fixed-point weights per position.
    struct Coefficients {
        let start: [Int]
        let count: [Int]
        let weights: [Int32]  // [position][taps]
        let taps: Int
    }

    /// Pillow's `precompute_coeffs` for the output positions in `positions` only: each position's weights
    /// depend on nothing but its own index, so a window costs what it holds, not the whole axis.
    static func coefficients(inSize: Int, outSize: Int, positions: Range<Int>) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale                      // bilinear support is 1 input pixel
        let taps = Int(support.rounded(.up)) * 2 + 1
        let n = positions.count
        var start = [Int](repeating: 0, count: n)
        var count = [Int](repeating: 0, count: n)
        var weights = [Int32](repeating: 0, count: n * taps)
        var k = [Double](repeating: 0, count: taps)
        for (i, xx) in positions.enumerated() {
            let center = (Double(xx) + 0.5) * scale
            let inverse = 1.0 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)   // Int() truncates toward zero, as C's cast does
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<max(xmax, 0) {
                let distance = abs((Double(x + xmin) - center + 0.5) * inverse)
                k[x] = distance < 1 ? 1 - distance : 0
                total += k[x]
            }
            for x in 0..<max(xmax, 0) {
                let w = total != 0 ? k[x] / total : k[x]
                let fixed = w * Double(1 << precisionBits)
                weights[i * taps + x] = Int32(w < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            start[i] = xmin
            count[i] = max(xmax, 0)
        }
        return Coefficients(start: start, count: count, weights: weights, taps: taps)
    }

    @inline(__always) static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(precisionBits)
        return shifted <= 0 ? 0 : (shifted >= 255 ? 255 : UInt8(shifted))
    }

    /// Resizes `pixels` (height × width × channels bytes) to outWidth × outHeight. The slow twin of
    /// `resizedWindow`: the whole image, as Pillow computes it.
    public static func resize(_ pixels: [UInt8], width: Int, height: Int, channels: Int, outWidth: Int, outHeight: Int) -> [UInt8] {
        resizedWindow(pixels, width: width, height: height, channels: channels, outWidth: outWidth, outHeight: outHeight,
                      window: Window(left: 0, top: 0, width: outWidth, height: outHeight))
    }

    /// The `window` of the image resized to outWidth × outHeight (window.height × window.width × channels
    /// bytes), bit for bit what resizing everything and then cropping gives. Work and memory scale with
    /// the input rows the window needs times the window's width — never with the full resized size, which
    /// for a 1 × 10000 strip resized to a 256-pixel shorter side would be 2.5 million pixels wide.
    public static func resizedWindow(_ pixels: [UInt8], width: Int, height: Int, channels: Int,
                                     outWidth: Int, outHeight: Int, window: Window) -> [UInt8] {
        precondition(window.left >= 0 && window.top >= 0 && window.left + window.width <= outWidth && window.top + window.height <= outHeight,
                     "window outside the resized image")
        let columns = window.left ..< window.left + window.width, rows = window.top ..< window.top + window.height
        // Vertical taps for the window's rows decide which input rows the horizontal pass must produce.
        let vertical = outHeight == height ? nil : coefficients(inSize: height, outSize: outHeight, positions: rows)
        let inputRows: Range<Int>
        if let v = vertical, !rows.isEmpty {
            let firstRow = v.start.min() ?? 0
            let lastRow = zip(v.start, v.count).map { $0 + $1 }.max() ?? firstRow
            inputRows = firstRow ..< max(firstRow, lastRow)
        } else {
            inputRows = rows
        }
        let horizontal = outWidth == width
            ? columnsCopy(pixels, width: width, channels: channels, rows: inputRows, columns: columns)
            : horizontalPass(pixels, width: width, channels: channels, rows: inputRows,
                             coefficients: coefficients(inSize: width, outSize: outWidth, positions: columns))
        guard let v = vertical else { return horizontal }
        return verticalPass(horizontal, rowBytes: window.width * channels, firstInputRow: inputRows.lowerBound, coefficients: v)
    }

    /// Input rows `rows`, columns `columns`, unchanged (the width needs no resampling).
    static func columnsCopy(_ input: [UInt8], width: Int, channels: Int, rows: Range<Int>, columns: Range<Int>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(rows.count * columns.count * channels)
        for y in rows {
            let from = (y * width + columns.lowerBound) * channels
            out.append(contentsOf: input[from ..< from + columns.count * channels])
        }
        return out
    }

    /// rows.count × positions × channels: each of the given input rows resampled along x.
    static func horizontalPass(_ input: [UInt8], width: Int, channels: Int, rows: Range<Int>, coefficients c: Coefficients) -> [UInt8] {
        let rounding = Int32(1) << Int32(precisionBits - 1)
        let outWidth = c.start.count
        var out = [UInt8](repeating: 0, count: rows.count * outWidth * channels + 1) // + 1: horizontalRow3's 4-byte stores
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                c.weights.withUnsafeBufferPointer { weights in
                    c.start.withUnsafeBufferPointer { starts in
                        c.count.withUnsafeBufferPointer { counts in
                            for (r, y) in rows.enumerated() {
                                let row = src.baseAddress! + y * width * channels
                                let outRow = dst.baseAddress! + r * outWidth * channels
                                if channels == 3 {
                                    horizontalRow3(row, outRow, outWidth: outWidth, width: width, starts: starts.baseAddress!, counts: counts.baseAddress!,
                                                   weights: weights.baseAddress!, stride: c.taps, rounding: rounding)
                                    continue
                                }
                                for xx in 0..<outWidth {
                                    let taps = counts[xx], first = row + starts[xx] * channels, w = weights.baseAddress! + xx * c.taps
                                    for ch in 0..<channels {
                                        var sum = rounding
                                        for t in 0..<taps { sum &+= Int32(first[t * channels + ch]) &* w[t] }
                                        outRow[xx * channels + ch] = clip8(sum)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out.removeLast()
        return out
    }

    /// One RGB row along x, one 4-lane accumulator per output pixel (R, G, B and an ignored lane): each tap is one
    /// 4-byte load widened to Int32 lanes and one multiply-add, where three scalar chains were before. The load reads
    /// the next pixel's first byte too, so a position whose taps reach the row's last pixel takes the scalar form
    /// (that byte may lie past the end of the image).
    @inline(__always)
    static func horizontalRow3(_ row: UnsafePointer<UInt8>, _ outRow: UnsafeMutablePointer<UInt8>, outWidth: Int, width: Int, starts: UnsafePointer<Int>,
                               counts: UnsafePointer<Int>, weights: UnsafePointer<Int32>, stride: Int, rounding: Int32) {
        let raw = UnsafeRawPointer(row)
        for xx in 0..<outWidth {
            let start = starts[xx], taps = counts[xx], w = weights + xx * stride
            if start + taps < width {
                var sum = SIMD4<Int32>(repeating: rounding)
                for t in 0..<taps {
                    let pixel = raw.loadUnaligned(fromByteOffset: 3 * (start + t), as: SIMD4<UInt8>.self)
                    sum &+= SIMD4<Int32>(truncatingIfNeeded: pixel) &* w[t]
                }
                let shifted = pointwiseMin(pointwiseMax(sum &>> Int32(precisionBits), SIMD4(repeating: 0)), SIMD4(repeating: 255))
                // Four bytes stored: the fourth is the next pixel's R, written again when that pixel is; the
                // row buffer has one byte of slack after its last pixel for this.
                UnsafeMutableRawPointer(outRow + 3 * xx).storeBytes(of: SIMD4<UInt8>(truncatingIfNeeded: shifted), as: SIMD4<UInt8>.self)
            } else {
                let first = row + start * 3
                var s0 = rounding, s1 = rounding, s2 = rounding
                for t in 0..<taps {
                    let p = first + 3 * t, wt = w[t]
                    s0 &+= Int32(p[0]) &* wt
                    s1 &+= Int32(p[1]) &* wt
                    s2 &+= Int32(p[2]) &* wt
                }
                outRow[3 * xx] = clip8(s0)
                outRow[3 * xx + 1] = clip8(s1)
                outRow[3 * xx + 2] = clip8(s2)
            }
        }
    }

    /// positions × rowBytes: rows resampled along y from `input`, whose first row is input row `firstInputRow`.
    static func verticalPass(_ input: [UInt8], rowBytes: Int, firstInputRow: Int, coefficients c: Coefficients) -> [UInt8] {
        let rounding = Int32(1) << Int32(precisionBits - 1)
        let outHeight = c.start.count
        var out = [UInt8](repeating: 0, count: outHeight * rowBytes)
        var sums = [Int32](repeating: 0, count: rowBytes)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                sums.withUnsafeMutableBufferPointer { acc in
                    for yy in 0..<outHeight {
                        // Row by row over the taps, accumulating a whole output row: contiguous reads that vectorise.
                        for i in 0..<rowBytes { acc[i] = rounding }
                        for t in 0..<c.count[yy] {
                            let wt = c.weights[yy * c.taps + t]
                            let row = src.baseAddress! + (c.start[yy] - firstInputRow + t) * rowBytes
                            for i in 0..<rowBytes { acc[i] &+= Int32(row[i]) &* wt }
                        }
                        let outRow = dst.baseAddress! + yy * rowBytes
                        for i in 0..<rowBytes { outRow[i] = clip8(acc[i]) }
                    }
                }
            }
        }
        return out
    }
}
