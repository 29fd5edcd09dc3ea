/// RGB8 pixels → the network's input tensor, following a model's `Preprocessing`:
/// shorter side → `resizeShorterSide` with the longer side rounded half up (Megvii's evaluation recipe,
/// `int(ratio·side + 0.5)`), Pillow bilinear; centre crop with the offset rounded down; then channel order,
/// scale, mean and std. This reproduces the reference input tensors exactly (e.g. chelsea 451×300 → 385×256).
public enum ImagePreprocessor {
    /// (width, height) after resizing the shorter side to `shorter`; the longer side is rounded half up.
    public static func resizedSize(width: Int, height: Int, shorter: Int) -> (width: Int, height: Int) {
        if width <= height {
            return (shorter, Int(Double(shorter) * Double(height) / Double(width) + 0.5))
        }
        return (Int(Double(shorter) * Double(width) / Double(height) + 0.5), shorter)
    }

    /// Memory order of the tensor being written.
    public enum Layout: Sendable { case nchw, nhwc }

    /// The NCHW input (3 × crop × crop) for an image of `width` × `height` RGB8 `pixels` (the reference pass's form).
    public static func tensor(rgb pixels: [UInt8], width: Int, height: Int, spec: Preprocessing) -> Activation {
        var out = Activation(channels: 3, height: spec.cropSize, width: spec.cropSize)
        out.data.withUnsafeMutableBufferPointer { write(rgb: pixels, width: width, height: height, spec: spec, layout: .nchw, into: $0.baseAddress!) }
        return out
    }

    /// Writes the preprocessed crop × crop × 3 floats straight into `destination` (e.g. an inference session's
    /// NHWC input buffer), with no intermediate tensor.
    public static func write(rgb pixels: [UInt8], width: Int, height: Int, spec: Preprocessing, layout: Layout, into destination: UnsafeMutablePointer<Float>) {
        let size = resizedSize(width: width, height: height, shorter: spec.resizeShorterSide)
        let crop = spec.cropSize
        // Only the centre crop of the resized image is computed (the offset rounded down): the same bytes as
        // resizing everything and cropping, at a cost bounded by the input and the crop — not by the resized
        // size, which an extreme aspect ratio (1 × 10000 px) would make gigabytes.
        let window = PillowResample.Window(left: (size.width - crop) / 2, top: (size.height - crop) / 2, width: crop, height: crop)
        let cropped = PillowResample.resizedWindow(pixels, width: width, height: height, channels: 3,
                                                   outWidth: size.width, outHeight: size.height, window: window)
        // channel c of the tensor takes RGB sample `source[c]`
        let source = spec.channelOrder == .bgr ? [2, 1, 0] : [0, 1, 2]
        // s / 255 × scale computed in Double so 255 maps 0…255 exactly onto itself; one 256-entry table per channel.
        var table = [Float](repeating: 0, count: 3 * 256)
        for c in 0..<3 {
            for s in 0..<256 { table[c * 256 + s] = Float((Double(s) * Double(spec.valueScale) / 255 - Double(spec.mean[c])) / Double(spec.std[c])) }
        }
        cropped.withUnsafeBufferPointer { rgb in
            table.withUnsafeBufferPointer { lut in
                let pixels = rgb.baseAddress!, plane = crop * crop
                // One table per tensor channel, indexed by the RGB sample that channel takes.
                let (lut0, lut1, lut2) = (lut.baseAddress!, lut.baseAddress! + 256, lut.baseAddress! + 512)
                let (s0, s1, s2) = (source[0], source[1], source[2])
                switch layout {
                case .nhwc:
                    for i in 0..<plane {
                        let pixel = pixels + 3 * i, out = destination + 3 * i
                        out[0] = lut0[Int(pixel[s0])]
                        out[1] = lut1[Int(pixel[s1])]
                        out[2] = lut2[Int(pixel[s2])]
                    }
                case .nchw:
                    for i in 0..<plane {
                        let pixel = pixels + 3 * i
                        destination[i] = lut0[Int(pixel[s0])]
                        destination[plane + i] = lut1[Int(pixel[s1])]
                        destination[2 * plane + i] = lut2[Int(pixel[s2])]
                    }
                }
            }
        }
    }
}
