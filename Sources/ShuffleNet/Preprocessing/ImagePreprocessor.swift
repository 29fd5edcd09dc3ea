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

    /// The NCHW input (3 × crop × crop) for an image of `width` × `height` RGB8 `pixels`.
    public static func tensor(rgb pixels: [UInt8], width: Int, height: Int, spec: Preprocessing) -> Activation {
        let size = resizedSize(width: width, height: height, shorter: spec.resizeShorterSide)
        let resized = (size.width == width && size.height == height) ? pixels
            : PillowResample.resize(pixels, width: width, height: height, channels: 3, outWidth: size.width, outHeight: size.height)
        let crop = spec.cropSize
        let top = (size.height - crop) / 2, left = (size.width - crop) / 2

        // channel c of the tensor takes RGB sample `source[c]`
        let source = spec.channelOrder == .bgr ? [2, 1, 0] : [0, 1, 2]
        // s / 255 × scale computed in Double so 255 maps 0…255 exactly onto itself
        let table: [[Float]] = (0..<3).map { c in
            (0..<256).map { s in Float((Double(s) * Double(spec.valueScale) / 255 - Double(spec.mean[c])) / Double(spec.std[c])) }
        }
        var out = Activation(channels: 3, height: crop, width: crop)
        for c in 0..<3 {
            for y in 0..<crop {
                let row = ((top + y) * size.width + left) * 3 + source[c]
                for x in 0..<crop {
                    out.data[(c * crop + y) * crop + x] = table[c][Int(resized[row + 3 * x])]
                }
            }
        }
        return out
    }
}
