import XCTest
@testable import OpenInference

/// Bodies the protocol does not allow: each refused with the right status and a message that says what and where.
final class FramingErrorTests: XCTestCase {
    let fp32Binary = #"{"inputs":[{"name":"input","shape":[2],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#
    let eight = littleEndianBytes([1, 2])

    func testInferenceHeaderContentLengthLargerThanTheBody() {
        let total = fp32Binary.utf8.count + 8
        assertRefused(fp32Binary, binary: eight, headerLength: String(total + 1), "Inference-Header-Content-Length", "larger than the \(total)-byte body")
    }

    func testInferenceHeaderContentLengthNegativeOrNotANumber() {
        assertRefused(fp32Binary, binary: eight, headerLength: "-5", "\"-5\"", "negative")
        for value in ["", "abc", "12abc", "+5", "5.0", "0x10", "--5", "1 2"] {
            assertRefused(fp32Binary, binary: eight, headerLength: .some(value), "not a decimal number")
        }
        XCTAssertEqual(refusal(fp32Binary, binary: eight, headerLength: "99999999999999999999999")?.message.contains("larger than"), true)
        // Optional whitespace is spaces and tabs only.
        let length = String(fp32Binary.utf8.count)
        XCTAssertNoThrow(try InferenceRequest.decode(body: Array(fp32Binary.utf8) + eight, headerLength: " \t\(length) "))
        assertRefused(fp32Binary, binary: eight, headerLength: .some("\u{A0}\(length)"), "not a decimal number")
    }

    func testBinarySizesGivenButTheHeaderMissing() {
        assertRefused(fp32Binary, binary: eight, headerLength: .some(nil), "invalid JSON", "unexpected data after the JSON value")
        // With a body that is only the JSON there is nothing for the sizes to point at either way.
        assertRefused(fp32Binary, headerLength: .some(nil), "binary_data_size", "no Inference-Header-Content-Length header")
    }

    func testBinarySizesMustAddUpToExactlyTheRestOfTheBody() {
        assertRefused(fp32Binary, binary: Array(eight.prefix(5)), "input 'input' declares 8 bytes but only 5 remain")
        assertRefused(fp32Binary, binary: eight + [0], "the body has 9 bytes after", "add up to 8")
        let jsonOnly = #"{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]}]}"#
        assertRefused(jsonOnly, binary: [1, 2, 3], "the body has 3 bytes after", "add up to 0")
    }

    func testBinarySizeMustMatchTheShapeForFixedSizeTypes() {
        let json = #"{"inputs":[{"name":"input","shape":[3],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#
        assertRefused(json, binary: eight, "tensor 'input'", "binary_data_size is 8 bytes but shape [3] of FP32 takes 12")
        let huge = #"{"inputs":[{"name":"input","shape":[4611686018427387904],"datatype":"FP32","parameters":{"binary_data_size":8}}]}"#
        assertRefused(huge, binary: eight, limits: InferenceLimits(maxElementsPerTensor: .max), "more than fits in 64 bits")
    }

    func testBytesElementLengthRunningPastTheEnd() {
        var elements = serializedElements([[1, 2, 3]])
        elements[0] = 4  // claims 4 bytes, 3 follow
        let json = #"{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":\#(elements.count)}}]}"#
        assertRefused(json, binary: elements, "tensor 'image'", "BYTES element 0 declares 4 bytes but only 3 remain")
        let cut = #"{"inputs":[{"name":"image","shape":[2],"datatype":"BYTES","parameters":{"binary_data_size":7}}]}"#
        assertRefused(cut, binary: serializedElements([[1]]) + [9, 0], "BYTES element 1", "4-byte length runs past the end")
        let big = #"{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":4}}]}"#
        assertRefused(big, binary: [0xFF, 0xFF, 0xFF, 0xFF], "declares 4294967295 bytes but only 0 remain")
        let few = #"{"inputs":[{"name":"image","shape":[3],"datatype":"BYTES","parameters":{"binary_data_size":10}}]}"#
        assertRefused(few, binary: serializedElements([[1], [2]]), "holds 2 BYTES elements; shape [3] needs 3")
        let many = #"{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","parameters":{"binary_data_size":10}}]}"#
        assertRefused(many, binary: serializedElements([[1], [2]]), "more than the 1 BYTES elements")
    }

    func testShapeWhoseElementCountOverflows() {
        let json = #"{"inputs":[{"name":"input","shape":[4294967296,4294967296],"datatype":"FP32","data":[1]}]}"#
        assertRefused(json, "tensor 'input'", "shape [4294967296,4294967296] has more elements than fit in 64 bits")
        assertRefused(#"{"inputs":[{"name":"x","shape":[-1],"datatype":"FP32","data":[1]}]}"#, "shape dimension -1 is not a non-negative")
        assertRefused(#"{"inputs":[{"name":"x","shape":[18446744073709551616],"datatype":"FP32","data":[1]}]}"#, "not a non-negative 64-bit integer")
        assertRefused(#"{"inputs":[{"name":"x","shape":[2.0],"datatype":"FP32","data":[1]}]}"#, "expected an integer")
    }

    func testTensorsOverTheElementLimitAre413BeforeTheirDataIsRead() {
        let json = #"{"inputs":[{"name":"input","shape":[100,3,224,224],"datatype":"FP32","data":[1,2,"#
        assertRefused(json, limits: InferenceLimits(maxElementsPerTensor: 1_000_000), status: 413,
                      "elements in tensor 'input' (shape [100,3,224,224]): 15052800 exceeds the limit of 1000000")
        let inputs = (0..<3).map { #"{"name":"i\#($0)","shape":[1],"datatype":"FP32","data":[1]}"# }.joined(separator: ",")
        assertRefused(#"{"inputs":[\#(inputs)]}"#, limits: InferenceLimits(maxTensors: 2), status: 413, "inputs in the request: more than the limit of 2")
        let outputs = (0..<3).map { #"{"name":"o\#($0)"}"# }.joined(separator: ",")
        assertRefused(#"{"inputs":[],"outputs":[\#(outputs)]}"#, limits: InferenceLimits(maxTensors: 2), status: 413, "requested outputs")
    }

    func testJSONNestedDeeperThanTheLimit() {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        assertRefused(#"{"inputs":[],"x":\#(deep)}"#, "JSON nested deeper than the limit of 64 levels", "at byte 80")
        // Tensor data counts too: request, inputs, input, then one level per dimension.
        let nested = #"{"inputs":[{"name":"t","shape":[1,1,1],"datatype":"FP32","data":[[[1]]]}]}"#
        XCTAssertNoThrow(try FramedBody(json: nested).decode(limits: InferenceLimits(maxJSONDepth: 6)))
        assertRefused(nested, limits: InferenceLimits(maxJSONDepth: 5), "deeper than the limit of 5 levels")
        // 100,000 levels: refused at the limit, without recursing that deep.
        let hostile = String(repeating: "[", count: 100_000)
        assertRefused(#"{"inputs":[],"x":\#(hostile)"#, "deeper than the limit of 64")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1,1],"datatype":"FP32","data":\#(hostile)"#, "nested deeper than shape [1,1]")
    }

    func testDataThatDisagreesWithItsShape() {
        func input(_ shape: String, _ data: String) -> String { #"{"inputs":[{"name":"t","shape":\#(shape),"datatype":"FP32","data":\#(data)}]}"# }
        assertRefused(input("[2,2]", "[1,2,3]"), "data has 3 elements; shape [2,2] needs 4")
        assertRefused(input("[2,2]", "[1,2,3,4,5]"), "more than the 4 elements")
        assertRefused(input("[2,2]", "[[1,2],[3]]"), "dimension 1 has 1 entries; shape [2,2] says 2")
        assertRefused(input("[2,2]", "[[1,2],[3,4],[5,6]]"), "dimension 0 has more than 2 entries")
        assertRefused(input("[2,2]", "[[1,2],3]"), "mixes numbers and arrays")
        assertRefused(input("[4]", "[[1,2],[3,4]]"), "nested but shape [4] has rank 1")
        assertRefused(input("[2,2]", "[[[1],[2]],[3,4]]"), "nested deeper than shape")
        assertRefused(input("[2]", "[1,[2]]"), "mixes numbers and arrays")
        assertRefused(input("[1]", "1"), "data must be an array")
        assertRefused(input("[1]", "[1e39]"), "element 0 (1e39) is out of range for FP32")
        assertRefused(input("[1]", "[NaN]"), "expected a number")
    }

    func testRequestsMissingWhatTheyNeed() {
        assertRefused(#"{"outputs":[]}"#, "no \"inputs\"")
        assertRefused(#"[]"#, "expected the request to be a JSON object")
        assertRefused("", "ends here")
        assertRefused(#"{"inputs":[{"shape":[1],"datatype":"FP32","data":[1]}]}"#, "input #0 has no \"name\"")
        assertRefused(#"{"inputs":[{"name":"t","datatype":"FP32","data":[1]}]}"#, "tensor 't': no \"shape\"")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"data":[1]}]}"#, "no \"datatype\"")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"datatype":"FP8","data":[1]}]}"#, "unknown datatype \"FP8\"", "BF16")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"datatype":"FP32"}]}"#, "no \"data\" and no parameters.binary_data_size")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"datatype":"FP32","data":[1],"parameters":{"binary_data_size":4}}]}"#, "both")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":-4}}]}"#, "non-negative")
        assertRefused(#"{"inputs":[{"name":"t","shape":[1],"datatype":"FP32","parameters":{"binary_data_size":{}}}]}"#, "must be a string, number or boolean")
        assertRefused(#"{"inputs":[],"id":7}"#, "\"id\" must be a string")
        assertRefused(#"{"inputs":[],"outputs":[{"parameters":{}}]}"#, "output #0 has no \"name\"")
        assertRefused(#"{"inputs":[],"outputs":[{"name":"o","parameters":{"classification":-1}}]}"#, "positive integer")
        assertRefused(#"{"inputs":[],"outputs":[{"name":"o","parameters":{"binary_data":1}}]}"#, "\"binary_data\" must be true or false")
        assertRefused(#"{"inputs":[],"parameters":{"binary_data_output":"yes"}}"#, "must be true or false")
    }

    func testDuplicateKeysAndNamesWhereTheyMatter() {
        assertRefused(#"{"inputs":[],"inputs":[]}"#, "duplicate key \"inputs\"")
        assertRefused(#"{"inputs":[{"name":"a","name":"b","shape":[0],"datatype":"FP32","data":[]}]}"#, "duplicate key \"name\"")
        assertRefused(#"{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1],"data":[2]}]}"#, "duplicate key \"data\"")
        assertRefused(#"{"inputs":[],"parameters":{"x":1,"x":2}}"#, "duplicate parameter \"x\"")
        let twice = #"{"name":"a","shape":[0],"datatype":"FP32","data":[]}"#
        assertRefused(#"{"inputs":[\#(twice),\#(twice)]}"#, "input 'a' appears more than once")
        assertRefused(#"{"inputs":[],"outputs":[{"name":"o"},{"name":"o"}]}"#, "output 'o' is requested more than once")
        XCTAssertNoThrow(try FramedBody(json: #"{"inputs":[],"other":1,"other":2}"#).decode(), "keys we do not read may repeat")
    }

    func testMalformedJSONSaysWhere() {
        assertRefused(#"{"inputs":[]} x"#, "invalid JSON at byte 14", "unexpected data after the JSON value")
        assertRefused(#"{"inputs":[],}"#, "expected a quoted key")
        assertRefused(#"{"inputs" []}"#, "at byte 10", "expected ':'")
        assertRefused(#"{"inputs":[],"x":01}"#, "leading zero")
        assertRefused(#"{"inputs":[],"x":tru}"#, "expected true or false")
        assertRefused(#"{"inputs":[],"x":"\x"}"#, "invalid escape")
        assertRefused(#"{"inputs":[],"x":"\ud800"}"#, "unpaired surrogate")
        assertRefused(#"{"inputs":[],"x":"\udc00\ud800"}"#, "unpaired surrogate")
        assertRefused("{\"inputs\":[],\"x\":\"a\u{01}\"}", "control character 0x1")
        assertRefused(#"{"inputs":[],"x":"open"#, "unterminated string")
        for bad: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xC3]] {
            let body = Array(#"{"inputs":[],"x":""#.utf8) + bad + Array(#""}"#.utf8)
            XCTAssertThrowsError(try InferenceRequest.decode(body: body, headerLength: nil)) { error in
                XCTAssertTrue((error as? InferenceProtocolError)?.message.contains("invalid UTF-8") == true, "\(bad): \(error)")
            }
        }
    }
}
