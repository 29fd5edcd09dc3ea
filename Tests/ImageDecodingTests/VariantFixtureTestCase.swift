import ImageDecoding
import XCTest

/// The error `ImageDecoder.decode` throws for `bytes`, or nil if they decode.
func decodingError(_ bytes: [UInt8], limits: DecodeLimits = DecodeLimits()) -> ImageDecodingError? {
    do {
        _ = try ImageDecoder.decode(bytes, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// Test cases over the JPEG variants Pillow (and cjpeg) write at test time: made once per class, removed after.
class VariantFixtureTestCase: XCTestCase {
    nonisolated(unsafe) static var fixtures: Result<PillowFixtures, Error>?

    override class func setUp() {
        fixtures = Result { try PillowFixtures.make("variants") }
    }

    override class func tearDown() {
        (try? fixtures?.get())?.remove()
    }

    func variants() throws -> PillowFixtures { try PillowFixtures.require(Self.fixtures) }
}
