import Foundation
import ImageDecoding
import ShuffleNet
import TestSupport
import XCTest

/// JPEG uploads through the service: rocket.jpg answers with the top-1 that the scalar reference pass gives
/// for its decoded pixels (which equal Pillow's, ImageDecodingTests); orientation=ignore and bad values.
extension ServiceTests {
    func testAJPEGGetsTheReferencePassTopOneOfItsPixels() throws {
        let s = try service()
        let bytes = [UInt8](try SharedFixtures.data("images/rocket.jpg"))
        let model = try ShuffleNetModel.load(path: try ServiceModels.path("g3"))
        let image = try ImageDecoder.decode(bytes)
        let tensor = ImagePreprocessor.tensor(rgb: image.pixels, width: image.width, height: image.height, spec: model.preprocessing)
        let logits = ReferenceSession(weights: model.weights).logits(for: tensor)
        let expected = logits.indices.max { logits[$0] < logits[$1] }!

        let reply = try curl(["-F", "image=@\(try SharedFixtures.path("images/rocket.jpg"))", "\(s.baseURL)/classify?model=shufflenet_v1_g3_0.5x"])
        XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self))
        XCTAssertEqual(topOne(reply)?["index"] as? Int, expected)
        XCTAssertEqual(reply.json["image"] as? [String: Int], ["width": 640, "height": 427])
        let raw = try curl(["--data-binary", "@\(try SharedFixtures.path("images/rocket.jpg"))", "-H", "Content-Type: image/jpeg",
                            "\(s.baseURL)/classify?model=shufflenet_v1_g3_0.5x&orientation=ignore"])
        XCTAssertEqual(topOne(raw)?["index"] as? Int, expected, "no orientation tag: ignore changes nothing")

        let bad = try curl(["-F", "image=@\(try SharedFixtures.path("images/rocket.jpg"))", "\(s.baseURL)/classify?orientation=sideways"])
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.errorCode, "invalid_orientation")

        // A truncated JPEG: libjpeg's own words, 422.
        let directory = try Checkpoints.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cut = directory.appendingPathComponent("cut.jpg").path
        XCTAssertTrue(FileManager.default.createFile(atPath: cut, contents: Data(bytes.prefix(bytes.count / 2))))
        let truncated = try curl(["-F", "image=@\(cut)", "\(s.baseURL)/classify"])
        XCTAssertEqual(truncated.status, 422)
        XCTAssertEqual(truncated.errorCode, "undecodable_image")
        XCTAssertTrue(truncated.errorMessage.contains("Premature end of JPEG file"), truncated.errorMessage)
    }
}
