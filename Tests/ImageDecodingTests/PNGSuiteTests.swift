import Foundation
import ImageDecoding
import TestSupport
import XCTest

final class PNGSuiteTests: XCTestCase {
    /// Every PngSuite file decodes to the reference 8-bit RGB within ±1 per sample.
    func testPngSuiteMatchesReferenceRGB8() throws {
        let entries = try XCTUnwrap(try SharedFixtures.manifest()["pngsuite"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(entries.count, 50)
        for entry in entries {
            let png = entry["png"] as! String, rgb8 = entry["rgb8"] as! String
            let image = try ImageDecoder.decode(try SharedFixtures.data(png))
            let expected = try SharedFixtures.data(rgb8)
            XCTAssertEqual(image.width, entry["width"] as? Int, png)
            XCTAssertEqual(image.height, entry["height"] as? Int, png)
            XCTAssertEqual(image.pixels.count, expected.count, png)
            let worst = zip(image.pixels, expected).map { abs(Int($0) - Int($1)) }.max() ?? 99
            XCTAssertLessThanOrEqual(worst, 1, "\(png): a sample differs by \(worst)")
        }
    }

    /// libpng's crash corpus and bad palettes: each file is decoded or refused with a typed error.
    func testCrashersAndBadPalettesNeverCrash() throws {
        var refused = 0, decoded = 0
        for folder in ["pngsuite/testpngs/crashers", "pngsuite/testpngs/badpal", "pngsuite/testpngs"] {
            let directory = try SharedFixtures.path(folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".png") }.sorted()
            XCTAssertFalse(names.isEmpty, folder)
            for name in names {
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
                do {
                    let image = try ImageDecoder.decode(bytes)
                    XCTAssertEqual(image.pixels.count, image.width * image.height * 3, name)
                    decoded += 1
                } catch {
                    // Every file is a PNG with a small IHDR: libpng refuses it, or the IHDR check does.
                    switch error {
                    case .decodeFailed(format: .png, _), .invalidHeader(format: .png, _): refused += 1
                    default: XCTFail("\(folder)/\(name): unexpected \(error)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(refused, 0, "the crash corpus holds files libpng must refuse")
        XCTAssertGreaterThan(decoded, 0)
    }
}
