/// Bilinear resampling of 8-bit interleaved images exactly as Pillow's `Image.resize(…, BILINEAR)` does it:
/// a triangle filter widened by the scale when shrinking (antialiasing), weights computed in Double,
/// normalised, turned into 22-bit fixed point, applied horizontally then vertically with 8-bit
/// rounding and clipping in between. Matching Pillow bit for bit matters because the checkpoints'
/// reference preprocessing used it.
public enum PillowResample {
    static let precisionBits = 32 - 8 - 2

    /// Per output position: first input index, number of taps, and `taps` fixed-point weights.
    struct Coefficients {
        let first: [Int]
        let count: [Int]
        let weights: [Int32]  // [outSize][taps]
        let taps: Int
    }

    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale                      // bilinear support is 1 input pixel
        let taps = Int(support.rounded(.up)) * 2 + 1
        var first = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * taps)
        var k = [Double](repeating: 0, count: taps)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let inverse = 1.0 / filterScale
            let xmin = max(Int(center - support + 0.5), 0)   // Int() truncates toward zero, as C's cast does
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<xmax {
                let distance = abs((Double(x + xmin) - center + 0.5) * inverse)
                k[x] = distance < 1 ? 1 - distance : 0
                total += k[x]
            }
            for x in 0..<xmax {
                let w = total != 0 ? k[x] / total : k[x]
                let fixed = w * Double(1 << precisionBits)
                weights[xx * taps + x] = Int32(w < 0 ? fixed - 0.5 : fixed + 0.5)
            }
            first[xx] = xmin
            count[xx] = max(xmax, 0)
        }
        return Coefficients(first: first, count: count, weights: weights, taps: taps)
    }

    @inline(__always) static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(precisionBits)
        return shifted <= 0 ? 0 : (shifted >= 255 ? 255 : UInt8(shifted))
    }

    /// Resizes `pixels` (height × width × channels bytes) to outWidth × outHeight.
    public static func resize(_ pixels: [UInt8], width: Int, height: Int, channels: Int, outWidth: Int, outHeight: Int) -> [UInt8] {
        var image = pixels, w = width
        if outWidth != width {
            image = horizontal(image, width: width, height: height, channels: channels, outWidth: outWidth)
            w = outWidth
        }
        if outHeight != height {
            image = vertical(image, width: w, height: height, channels: channels, outHeight: outHeight)
        }
        return image
    }

    static func horizontal(_ input: [UInt8], width: Int, height: Int, channels: Int, outWidth: Int) -> [UInt8] {
        let c = coefficients(inSize: width, outSize: outWidth)
        let rounding = Int32(1) << Int32(precisionBits - 1)
        var out = [UInt8](repeating: 0, count: outWidth * height * channels)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let row = y * width * channels
                    for xx in 0..<outWidth {
                        for ch in 0..<channels {
                            var sum = rounding
                            for t in 0..<c.count[xx] {
                                sum += Int32(src[row + (c.first[xx] + t) * channels + ch]) * c.weights[xx * c.taps + t]
                            }
                            dst[(y * outWidth + xx) * channels + ch] = clip8(sum)
                        }
                    }
                }
            }
        }
        return out
    }

    static func vertical(_ input: [UInt8], width: Int, height: Int, channels: Int, outHeight: Int) -> [UInt8] {
        let c = coefficients(inSize: height, outSize: outHeight)
        let rounding = Int32(1) << Int32(precisionBits - 1)
        let stride = width * channels
        var out = [UInt8](repeating: 0, count: outHeight * stride)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for yy in 0..<outHeight {
                    for i in 0..<stride {
                        var sum = rounding
                        for t in 0..<c.count[yy] {
                            sum += Int32(src[(c.first[yy] + t) * stride + i]) * c.weights[yy * c.taps + t]
                        }
                        dst[yy * stride + i] = clip8(sum)
                    }
                }
            }
        }
        return out
    }
}
