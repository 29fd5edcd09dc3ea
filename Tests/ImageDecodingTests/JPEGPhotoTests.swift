import Foundation
import ImageDecoding
import TestSupport
import XCTest

/// Every real photo in ../shared (the 200 ImageNet dev photos and rocket.jpg) decodes in exact mode to the
/// pixels Pillow gives for it (`Image.open(f)`, `ImageOps.exif_transpose`, `convert("RGB")`) within ±1, so
/// that the model sees what the reference pass saw. Pillow's pixels are written to a temporary folder at test
/// time; nothing of the photos is kept.
final class JPEGPhotoTests: XCTestCase {
    func testSharedPhotosDecodeToPillowsPixels() throws {
        let folder = try SharedFixtures.path("photos/imagenet-dev")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".JPEG") }.sorted()
        XCTAssertEqual(names.count, 200)
        let files = names.map { "\(folder)/\($0)" } + [try SharedFixtures.path("images/rocket.jpg")]
        let fixtures = try PillowFixtures.require(Result { try PillowFixtures.make("reference", files) })
        defer { fixtures.remove() }

        var equal = 0, worstOverall = 0
        var grayscale = 0
        for (index, path) in files.enumerated() {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            let header = try ImageDecoder.probe(bytes)
            if case .jpeg(let jpeg) = header.details, jpeg.colorSpace == .grayscale { grayscale += 1 }
            let image = try ImageDecoder.decode(bytes, header: header)
            let worst = worstDifference(image, try fixtures.reference(String(index)))
            XCTAssertLessThanOrEqual(worst, 1, "\(path): a sample differs by \(worst)")
            worstOverall = max(worstOverall, worst)
            if worst == 0 { equal += 1 }
        }
        XCTAssertGreaterThan(grayscale, 0, "the dev photos include greyscale JPEGs")
        print("JPEGPhotoTests: \(equal) of \(files.count) photos equal Pillow's pixels exactly; largest difference \(worstOverall)")
    }
}
