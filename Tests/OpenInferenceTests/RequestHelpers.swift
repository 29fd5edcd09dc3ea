import XCTest
@testable import OpenInference

/// A body made of a JSON text and binary tensor data, with the header value that frames it.
struct FramedBody {
    var body: [UInt8]
    var headerLength: String?

    init(json: String, binary: [UInt8]? = nil) {
        body = Array(json.utf8) + (binary ?? [])
        headerLength = binary == nil ? nil : String(json.utf8.count)
    }

    func decode(limits: InferenceLimits = InferenceLimits()) throws(InferenceProtocolError) -> InferenceRequest {
        try InferenceRequest.decode(body: body, headerLength: headerLength, limits: limits)
    }
}

/// Little-endian bytes of Floats, as tritonclient's `tobytes()` writes them.
func littleEndianBytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
}

/// BYTES elements in binary tensor data: 4-byte little-endian length, then the bytes.
func serializedElements(_ elements: [[UInt8]]) -> [UInt8] {
    elements.flatMap { element in (0..<4).map { UInt8(truncatingIfNeeded: element.count >> (8 * $0)) } + element }
}

extension XCTestCase {
    /// Decodes `json` (with `binary` data and its header when given) and returns the refusal, failing if it was accepted.
    @discardableResult
    func refusal(_ json: String, binary: [UInt8]? = nil, headerLength: String?? = .none, limits: InferenceLimits = InferenceLimits(),
                 file: StaticString = #filePath, line: UInt = #line) -> InferenceProtocolError? {
        var framed = FramedBody(json: json, binary: binary)
        if case .some(let header) = headerLength { framed.headerLength = header }
        do {
            let request = try framed.decode(limits: limits)
            XCTFail("accepted: \(request)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    /// Asserts a refusal with `status` whose message contains every one of `fragments`.
    func assertRefused(_ json: String, binary: [UInt8]? = nil, headerLength: String?? = .none, limits: InferenceLimits = InferenceLimits(),
                       status: Int = 400, _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
        guard let error = refusal(json, binary: binary, headerLength: headerLength, limits: limits, file: file, line: line) else { return }
        XCTAssertEqual(error.statusCode, status, error.message, file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "\"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
    }
}
