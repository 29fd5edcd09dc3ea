import ImageDecoding
import ShuffleNet
import TestSupport
import XCTest

/// Decode + preprocess reproduces the reference input tensors (Pillow bilinear, BGR, 0…255) exactly.
final class PreprocessingTests: XCTestCase {
    func testPhotosBecomeTheReferenceInputTensors() throws {
        for image in ["chelsea", "coffee", "astronaut", "motorcycle_left"] {
            let rgb = try PNGDecoder.decodeRGB8(try SharedFixtures.data("images/\(image).png"))
            let tensor = ImagePreprocessor.tensor(rgb: rgb.pixels, width: rgb.width, height: rgb.height, spec: .megvii)
            let golden = try ReferenceIO(path: try SharedFixtures.path("reference/g3_0.5x_\(image).io.safetensors"))
            XCTAssertEqual(tensor.channels, 3)
            XCTAssertEqual(tensor.height, 224)
            let worst = zip(tensor.data, golden.input.data).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertEqual(worst, 0, "\(image): largest sample difference \(worst)")
        }
    }

    func testNHWCWriteIsTheSameTensorTransposed() throws {
        let rgb = try PNGDecoder.decodeRGB8(try SharedFixtures.data("images/chelsea.png"))
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

    func testRGBOrderMeanAndStdAreApplied() {
        // A 1×1 red image, upscaled to 2×2 and cropped to 2: RGB order, ImageNet-style normalisation.
        let spec = Preprocessing(resizeShorterSide: 2, cropSize: 2, channelOrder: .rgb, valueScale: 1, mean: [0.5, 0, 0], std: [0.5, 1, 1])
        let tensor = ImagePreprocessor.tensor(rgb: [255, 0, 0], width: 1, height: 1, spec: spec)
        XCTAssertEqual(tensor.data, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    }
}
