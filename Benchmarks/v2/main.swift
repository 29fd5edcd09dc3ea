// Throughput of the Open Inference Protocol codec on the shapes the service sees: a batch of 8 preprocessed
// images (FP32 [8, 3, 224, 224], 4.8 MB of floats) decoded from JSON and from binary tensor data, and an
// [8, 1000] logits response encoded both ways. Foundation's JSONSerialization and per-number Float(String)
// run on the same JSON for comparison. Prints one table; run by Benchmarks/v2/run.sh.
//
// Usage: v2-codec-bench [ROUNDS]      (median of ROUNDS timed runs after one warm-up; default 7)

import Foundation
import MonotonicClock
import OpenInference

let rounds = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 7) : 7
let batch = 8, channels = 3, size = 224, classes = 1000
let count = batch * channels * size * size

/// Median seconds of `rounds` runs of `body` (after one untimed run).
func median(_ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<rounds {
        let start = Monotonic.now()
        try body()
        times.append(Monotonic.since(start))
    }
    return times.sorted()[times.count / 2]
}

func row(_ name: String, bytes: Int, seconds: Double) {
    let megabytes = Double(bytes) / 1e6
    print(name.padding(toLength: 58, withPad: " ", startingAt: 0)
          + String(format: "%9.2f MB %10.2f ms %10.1f MB/s", megabytes, seconds * 1e3, megabytes / seconds))
}

// Deterministic inputs: pixel values as the Megvii weights take them (BGR 0…255, whole numbers), and the same
// normalised to about ±2.5 with full float precision (what a client sending mean/std-normalised data writes).
struct LCG {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
}
var random = LCG()
let pixels = (0..<count).map { _ in Float(random.next() % 256) }
let normalised = pixels.map { ($0 / 255 - 0.45) / 0.225 }

/// A request body as tritonclient writes it: JSON numbers in Python's repr of the float as a double.
func jsonBody(_ values: [Float]) -> [UInt8] {
    var text = #"{"id":"bench","inputs":[{"name":"input","shape":[8,3,224,224],"datatype":"FP32","data":["#
    text.reserveCapacity(values.count * 20)
    for (index, value) in values.enumerated() {
        if index > 0 { text += "," }
        text += Double(value).description
    }
    text += #"]}],"outputs":[{"name":"logits","parameters":{"binary_data":false}}]}"#
    return Array(text.utf8)
}

func binaryBody(_ values: [Float]) -> (body: [UInt8], headerLength: String) {
    let json = #"{"id":"bench","inputs":[{"name":"input","shape":[8,3,224,224],"datatype":"FP32","parameters":{"binary_data_size":\#(values.count * 4)}}],"outputs":[{"name":"logits","parameters":{"binary_data":true}}]}"#
    var body = Array(json.utf8)
    values.withUnsafeBytes { body.append(contentsOf: $0) }
    return (body, String(json.utf8.count))
}

func check(_ request: InferenceRequest, _ expected: [Float]) {
    guard request.inputs.first?.data.fp32 == expected else { fatalError("decoded values differ from the ones encoded") }
}

print("v2-codec-bench: median of \(rounds) runs, \(Date())")
for (label, values) in [("pixels 0…255", pixels), ("normalised", normalised)] {
    let body = jsonBody(values)
    var decoded: InferenceRequest?
    let ours = try median { decoded = try InferenceRequest.decode(body: body, headerLength: nil) }
    check(decoded!, values)
    row("decode JSON, \(label) (ours)", bytes: body.count, seconds: ours)
    let foundation = try median { _ = try JSONSerialization.jsonObject(with: Data(body)) }
    row("  JSONSerialization, same body (tree only, no tensor)", bytes: body.count, seconds: foundation)
    // The numbers alone through Float(String), the C library's strtof: our reader's slow path, everywhere.
    let marker = Array(#""data":["#.utf8)
    let dataStart = (0...body.count - marker.count).first { body[$0..<$0 + marker.count].elementsEqual(marker) }! + marker.count
    let numbers = body[dataStart..<body[dataStart...].firstIndex(of: UInt8(ascii: "]"))!]
    let slow = median {
        var floats: [Float] = []
        floats.reserveCapacity(count)
        for token in numbers.split(separator: UInt8(ascii: ",")) { floats.append(Float(String(decoding: token, as: UTF8.self))!) }
        precondition(floats.count == count)
    }
    row("  Float(String) per number, same numbers", bytes: numbers.count, seconds: slow)
}

let (binary, headerLength) = binaryBody(normalised)
var decoded: InferenceRequest?
let binarySeconds = try median { decoded = try InferenceRequest.decode(body: binary, headerLength: headerLength) }
check(decoded!, normalised)
row("decode binary tensor data (ours)", bytes: binary.count, seconds: binarySeconds)

let logits = (0..<batch * classes).map { _ in Float(Int(random.next() % 2_000_000) - 1_000_000) / 65_536 }
for binaryData in [false, true] {
    let response = InferenceResponse(modelName: "shufflenet", modelVersion: "1", id: "bench", outputs: [
        OutputTensor(name: "logits", datatype: .fp32, shape: [batch, classes], data: .fp32(logits), binaryData: binaryData),
    ])
    var encoded = response.encoded()
    let seconds = median { encoded = response.encoded() }
    row("encode [8, 1000] logits, \(binaryData ? "binary" : "JSON")", bytes: encoded.body.count, seconds: seconds)
}
