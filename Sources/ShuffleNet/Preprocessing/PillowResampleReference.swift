/// The slow twin of `PillowResample.resizedWindow`: Pillow's two passes over the whole image, the plain
/// loops of its C code, then a crop. Tests compare the two on awkward sizes and windows.
public enum PillowResampleReference {
    public static func resizeThenCrop(_ pixels: [UInt8], width: Int, height: Int, channels: Int,
                                      outWidth: Int, outHeight: Int, window: PillowResample.Window) -> [UInt8] {
        var image = pixels, w = width
        if outWidth != width {
            image = horizontal(image, width: width, height: height, channels: channels, outWidth: outWidth)
            w = outWidth
        }
        if outHeight != height {
            image = vertical(image, width: w, height: height, channels: channels, outHeight: outHeight)
        }
        var out: [UInt8] = []
        for y in window.top ..< window.top + window.height {
            for x in window.left ..< window.left + window.width {
                for c in 0..<channels { out.append(image[(y * outWidth + x) * channels + c]) }
            }
        }
        return out
    }

    static func horizontal(_ input: [UInt8], width: Int, height: Int, channels: Int, outWidth: Int) -> [UInt8] {
        let c = PillowResample.coefficients(inSize: width, outSize: outWidth, positions: 0..<outWidth)
        let rounding = Int32(1) << Int32(PillowResample.precisionBits - 1)
        var out = [UInt8](repeating: 0, count: outWidth * height * channels)
        for y in 0..<height {
            for xx in 0..<outWidth {
                for ch in 0..<channels {
                    var sum = rounding
                    for t in 0..<c.count[xx] {
                        sum += Int32(input[(y * width + c.start[xx] + t) * channels + ch]) * c.weights[xx * c.taps + t]
                    }
                    out[(y * outWidth + xx) * channels + ch] = PillowResample.clip8(sum)
                }
            }
        }
        return out
    }

    static func vertical(_ input: [UInt8], width: Int, height: Int, channels: Int, outHeight: Int) -> [UInt8] {
        let c = PillowResample.coefficients(inSize: height, outSize: outHeight, positions: 0..<outHeight)
        let rounding = Int32(1) << Int32(PillowResample.precisionBits - 1)
        let stride = width * channels
        var out = [UInt8](repeating: 0, count: outHeight * stride)
        for yy in 0..<outHeight {
            for i in 0..<stride {
                var sum = rounding
                for t in 0..<c.count[yy] {
                    sum += Int32(input[(c.start[yy] + t) * stride + i]) * c.weights[yy * c.taps + t]
                }
                out[yy * stride + i] = PillowResample.clip8(sum)
            }
        }
        return out
    }
}
