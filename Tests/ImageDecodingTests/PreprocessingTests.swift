import ImageDecoding
import ShuffleNet
import TestSupport
import XCTest

/// Decode + preprocess reproduces the reference input tensors (Pillow bilinear, BGR, 0…255) exactly.
final class PreprocessingTests: XCTestCase {
    func testPhotosBecomeTheReferenceInputTensors() throws {
        for image in ["chelsea", "coffee", "astronaut", "motorcycle_left"] {
            let rgb = try ImageDecoder.decode(try SharedFixtures.data("images/\(image).png"))
            let tensor = ImagePreprocessor.tensor(rgb: rgb.pixels, width: rgb.width, height: rgb.height, spec: .megvii)
            let golden = try ReferenceIO(path: try SharedFixtures.path("reference/g3_0.5x_\(image).io.safetensors"))
            XCTAssertEqual(tensor.channels, 3)
            XCTAssertEqual(tensor.height, 224)
            let worst = zip(tensor.data, golden.input.data).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertEqual(worst, 0, "\(image): largest sample difference \(worst)")
        }
    }

    func testNHWCWriteIsTheSameTensorTransposed() throws {
        let rgb = try ImageDecoder.decode(try SharedFixtures.data("images/chelsea.png"))
        let nchw = ImagePreprocessor.tensor(rgb: rgb.pixels, width: rgb.width, height: rgb.height, spec: .megvii)
        var nhwc = [Float](repeating: -1, count: 224 * 224 * 3)
        nhwc.withUnsafeMutableBufferPointer {
            ImagePreprocessor.write(rgb: rgb.pixels, width: rgb.width, height: rgb.height, spec: .megvii, layout: .nhwc, into: $0.baseAddress!)
        }
        for p in stride(from: 0, to: 224 * 224, by: 97) {
            for c in 0..<3 { XCTAssertEqual(nhwc[p * 3 + c], nchw.data[c * 224 * 224 + p]) }
        }
    }

    func testResizedSizeRoundsTheLongSideHalfUp() {
        XCTAssertTrue(ImagePreprocessor.resizedSize(width: 451, height: 300, shorter: 256) == (385, 256))
        XCTAssertTrue(ImagePreprocessor.resizedSize(width: 500, height: 741, shorter: 256) == (256, 379))
        XCTAssertTrue(ImagePreprocessor.resizedSize(width: 256, height: 256, shorter: 256) == (256, 256))
    }

    func testResampleKeepsConstantsAndIdentity() {
        let flat = [UInt8](repeating: 77, count: 13 * 9 * 3)
        XCTAssertEqual(PillowResample.resize(flat, width: 13, height: 9, channels: 3, outWidth: 5, outHeight: 20), [UInt8](repeating: 77, count: 5 * 20 * 3))
        let ramp: [UInt8] = (0..<(7 * 4)).map { UInt8($0 * 9) }
        XCTAssertEqual(PillowResample.resize(ramp, width: 7, height: 4, channels: 1, outWidth: 7, outHeight: 4), ramp)
    }

    /// The windowed resampler (fast) against resize-everything-then-crop (its slow twin): odd sizes, 1, 3
    /// and 4 channels, shrinking and growing on each axis, windows at the edges and in the middle.
    func testResizedWindowMatchesResizeThenCrop() {
        var random = SplitMix64(seed: 0x5eed)
        let cases: [(w: Int, h: Int, ow: Int, oh: Int)] = [
            (451, 300, 385, 256), (37, 53, 19, 101), (1, 97, 7, 300), (97, 1, 300, 7), (64, 64, 64, 30),
            (13, 29, 13, 29), (250, 17, 3, 17), (5, 5, 256, 256), (301, 199, 71, 47),
        ]
        for (w, h, ow, oh) in cases {
            for channels in [1, 3, 4] {
                let pixels = (0..<(w * h * channels)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let windows = [
                    PillowResample.Window(left: 0, top: 0, width: ow, height: oh),
                    PillowResample.Window(left: (ow - min(ow, 24)) / 2, top: (oh - min(oh, 24)) / 2, width: min(ow, 24), height: min(oh, 24)),
                    PillowResample.Window(left: ow - 1, top: oh - 1, width: 1, height: 1),
                    PillowResample.Window(left: 0, top: oh / 3, width: ow / 2 + 1, height: oh - oh / 3),
                ]
                for window in windows {
                    let fast = PillowResample.resizedWindow(pixels, width: w, height: h, channels: channels, outWidth: ow, outHeight: oh, window: window)
                    let slow = PillowResampleReference.resizeThenCrop(pixels, width: w, height: h, channels: channels, outWidth: ow, outHeight: oh, window: window)
                    XCTAssertEqual(fast, slow, "\(w)×\(h)×\(channels) → \(ow)×\(oh), window \(window)")
                }
            }
        }
    }

    /// A 1 × 10000 strip resizes (shorter side → 256) to 256 × 2,560,000: only the crop may be computed.
    func testExtremeAspectRatiosCostOnlyTheCrop() {
        let strip = [UInt8](repeating: 200, count: 1 * 10000 * 3)
        let tensor = ImagePreprocessor.tensor(rgb: strip, width: 1, height: 10000, spec: .megvii)
        XCTAssertEqual(tensor.data.count, 3 * 224 * 224)
        XCTAssertEqual(Set(tensor.data.prefix(224 * 224)).count, 1, "a flat image stays flat")
        let wide = ImagePreprocessor.tensor(rgb: [UInt8](repeating: 10, count: 20000 * 1 * 3), width: 20000, height: 1, spec: .megvii)
        XCTAssertEqual(wide.data.count, 3 * 224 * 224)
        // The service's memory stays flat on such images: checked by the hostile-input catalogue, which
        // watches the server's peak resident size (Tests/Reliability/hostile.py).
    }

    func testRGBOrderMeanAndStdAreApplied() {
        // A 1×1 red image, upscaled to 2×2 and cropped to 2: RGB order, ImageNet-style normalisation.
        let spec = Preprocessing(resizeShorterSide: 2, cropSize: 2, channelOrder: .rgb, valueScale: 1, mean: [0.5, 0, 0], std: [0.5, 1, 1])
        let tensor = ImagePreprocessor.tensor(rgb: [255, 0, 0], width: 1, height: 1, spec: spec)
        XCTAssertEqual(tensor.data, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    }
}
